import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayYoga } from '../graphql/yoga.js';
import { readBody } from '../lib/read-body.js';

/** GraphQL documents and variables fit easily; a larger body is refused before parsing. */
export const GRAPHQL_BODY_LIMIT = 1024 * 1024;

/**
 * POST bodies are read here under the limit (413 beyond it, chunked or not), then handed to Yoga;
 * GET (GraphiQL, queries in the URL) goes to Yoga directly.
 */
export async function handleGraphQL(yoga: GatewayYoga, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST') return yoga(req, res);
  const read = await readBody(req, GRAPHQL_BODY_LIMIT);
  if (!read.ok) {
    if (read.reason === 'aborted') return;
    const message = JSON.stringify({
      errors: [{ message: `Request body too large: at most ${GRAPHQL_BODY_LIMIT} bytes`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }],
    });
    res.writeHead(413, { 'content-type': 'application/json; charset=utf-8', connection: 'close' }).end(message);
    return;
  }
  const body = read.body;
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && name !== 'content-length' && name !== 'transfer-encoding') headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const url = new URL(req.url ?? '/graphql', `http://${req.headers.host ?? 'localhost'}`);
  const response = await yoga.fetch(url, { method: 'POST', headers, body: body.toString('utf8') });
  res.statusCode = response.status;
  response.headers.forEach((value, name) => res.setHeader(name, value));
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    if (!res.write(next.value)) await new Promise((resolve) => res.once('drain', resolve));
  }
  res.end();
}

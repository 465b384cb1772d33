import type { IncomingMessage, ServerResponse } from 'node:http';
import { graphiqlFiles, GRAPHIQL_FILES_PATH } from '../graphiql/files.js';

/** A file's name holds its content hash: the browser may keep it for a year without asking again. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * GET /graphiql/<name>.<hash>.<ext>: GraphiQL's code, CSS, Monaco's workers and icon, all from this
 * gateway (no CDN, so it works offline), gzipped when the browser accepts it. Returns false for a
 * name it does not know (an old hash after an upgrade: the page names the current ones).
 */
export async function serveGraphiQLFile(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
  const file = (await graphiqlFiles()).byName.get(path.slice(GRAPHIQL_FILES_PATH.length + 1));
  if (!file) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return true;
  }
  const headers: Record<string, string | number> = { 'content-type': file.type, 'cache-control': IMMUTABLE, etag: file.etag, vary: 'accept-encoding' };
  if (req.headers['if-none-match'] === file.etag) {
    res.writeHead(304, headers).end();
    return true;
  }
  let body = file.body;
  if (/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
    body = await file.gzipped();
    headers['content-encoding'] = 'gzip';
  }
  headers['content-length'] = body.length;
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}

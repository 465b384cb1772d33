/**
 * A merchant's checkout, the safe way round: this server holds the merchant token and creates the
 * order; the payer's browser gets only the order's client secret, which can read and follow that
 * one order and nothing else (it expires with the order).
 *   npm start   (prints a development token)
 *   GATEWAY_URL=http://localhost:4000 TOKEN=tpg_… npx tsx examples/merchant-server.ts
 *   then open http://localhost:3000
 * Plain node:http, no framework. The page is examples/checkout-page.html.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CREATE_COLLECTION = `mutation CreateCheckout($input: CollectionCreateInput!) {
  collectionCreate(input: $input) { order { id } clientSecret userErrors { field code message } }
}`;

export interface MerchantServerOptions {
  /** The gateway, e.g. http://localhost:4000. */
  gatewayUrl: string;
  /** A merchant token with collections:write: it never leaves this server. */
  token: string;
  port?: number;
}

const PAGE = fileURLToPath(new URL('./checkout-page.html', import.meta.url));
// graphql-ws's browser build (its UMD file defines the global `graphqlWs`).
// (resolved beside its package.json: the package's exports do not list the file.)
const GRAPHQL_WS = join(dirname(createRequire(import.meta.url).resolve('graphql-ws/package.json')), 'umd', 'graphql-ws.min.js');

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).end(body);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 4096) throw new Error('body too large');
  }
  return JSON.parse(text) as Record<string, unknown>;
}

/** POST /orders: create the collection with the merchant token, answer the browser with its id and client secret only. */
async function createOrder(options: MerchantServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const fields: Record<string, unknown> = await readJson(req).catch(() => ({}));
  // Your server decides what is sold and for how much; the browser only picks how to pay.
  const input = { amount: '150000', method: typeof fields.method === 'string' ? fields.method : 'QRIS', subject: 'Order 1001', description: 'Two items' };
  const response = await fetch(`${options.gatewayUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
    body: JSON.stringify({ query: CREATE_COLLECTION, variables: { input } }),
  });
  const body = (await response.json()) as {
    data?: { collectionCreate?: { order: { id: string } | null; clientSecret: string | null; userErrors: unknown[] } };
  };
  const created = body.data?.collectionCreate;
  if (!created?.order || !created.clientSecret)
    return send(res, 422, 'application/json', JSON.stringify({ error: 'the order was not created', userErrors: created?.userErrors ?? [] }));
  send(res, 201, 'application/json', JSON.stringify({ orderId: created.order.id, clientSecret: created.clientSecret }));
}

export async function startMerchantServer(options: MerchantServerOptions): Promise<{ url: string; server: Server }> {
  const gatewayWs = `${options.gatewayUrl.replace(/^http/, 'ws')}/graphql`;
  const server = createServer((req, res) => {
    const handle = async () => {
      if (req.method === 'GET' && req.url === '/') {
        const page = (await readFile(PAGE, 'utf8')).replace('__GATEWAY_WS__', gatewayWs);
        return send(res, 200, 'text/html; charset=utf-8', page);
      }
      if (req.method === 'GET' && req.url === '/graphql-ws.js') return send(res, 200, 'text/javascript', await readFile(GRAPHQL_WS, 'utf8'));
      if (req.method === 'POST' && req.url === '/orders') return createOrder(options, req, res);
      send(res, 404, 'text/plain', 'not found');
    };
    handle().catch((error: unknown) => send(res, 500, 'text/plain', (error as Error).message));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const token = process.env.TOKEN;
  if (!token) throw new Error('set TOKEN to a merchant token with collections:write (npm start prints one)');
  const { url } = await startMerchantServer({ gatewayUrl: process.env.GATEWAY_URL ?? 'http://localhost:4000', token, port: Number(process.env.PORT ?? 3000) });
  console.log(`checkout on ${url}`);
}

import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { GatewayYoga } from '../graphql/yoga.js';
import { readBody } from '../lib/read-body.js';
import { listPaymentMethods } from '../tarspay/catalogs.js';
import { sendJson } from './send.js';

export interface DemoOptions {
  /** The sandbox is the upstream: the page offers "simulate payment" (sandboxOrderSettle). */
  sandbox: boolean;
  /** The shipped trusted documents' SHA-256 hashes by operation name: the page sends these, never text. */
  operations: Record<string, string>;
  /**
   * The merchant token POST /demo/orders creates orders with, as a merchant's server would: it stays
   * on the server, the browser gets the order's client secret only. Null: the route answers 503.
   */
  merchantToken: string | null;
}

const JAVASCRIPT = 'text/javascript; charset=utf-8';
const require = createRequire(import.meta.url);
/** A file, or text made from the options (when the page needs something only the running gateway knows). */
type Asset = { type: string } & ({ file: string } | { render: (options: DemoOptions) => string });
const ASSETS: Record<string, Asset> = {
  '/demo': { file: new URL('../demo/checkout.html', import.meta.url).pathname, type: 'text/html; charset=utf-8' },
  '/demo/checkout.js': { file: new URL('../demo/checkout.js', import.meta.url).pathname, type: JAVASCRIPT },
  // Made from the committed manifest the gateway loaded: it cannot fall behind src/demo/operations/.
  '/demo/operations.js': {
    render: (options) =>
      `// Trusted documents: SHA-256 by operation name (src/generated/persisted-documents.json).\nwindow.TRUSTED_DOCUMENTS = Object.freeze(${JSON.stringify(options.operations)});\n` +
      `// TarsPay's collection methods (src/tarspay/catalogs.ts): a client secret may not list them.\nwindow.PAYMENT_METHODS = Object.freeze(${JSON.stringify(listPaymentMethods())});\n`,
    type: JAVASCRIPT,
  },
  // qrcode-generator's browser build (MIT): defines the global `qrcode`.
  '/demo/qrcode.js': { file: require.resolve('qrcode-generator'), type: JAVASCRIPT },
};
const cache = new Map<string, Promise<string>>();

// The page only talks to this origin, and holds a client secret: no referrer leaves it.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

const CREATE_PATH = '/demo/orders';

/**
 * POST /demo/orders `{"amount": "150000", "method": "QRIS"}`: what a merchant's server does for its
 * checkout page. It creates the collection with the merchant token it holds (DemoCreateCollection,
 * through the gateway's own GraphQL, as any client) and answers the browser with the order's id
 * and client secret only: 201 `{"orderId", "clientSecret"}`, 422 `{"userErrors"}`.
 */
async function createDemoOrder(options: DemoOptions, yoga: GatewayYoga, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST') return void res.writeHead(405, { allow: 'POST' }).end();
  // JSON only: a cross-site form cannot send it without a CORS preflight, which this route never grants.
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return sendJson(res, 415, { error: 'send the order as application/json' });
  if (!options.merchantToken) return sendJson(res, 503, { error: 'the demo has no merchant token yet: it is set when `npm start` starts against the sandbox' });
  const read = await readBody(req, 4096);
  if (!read.ok) return sendJson(res, 413, { error: 'send {"amount": "<whole rupiah>", "method": "<wayCode>"}, under 4 KiB' });
  let fields: { amount?: unknown; method?: unknown };
  try {
    fields = JSON.parse(read.body.toString('utf8')) as typeof fields;
  } catch {
    fields = {};
  }
  if (typeof fields?.amount !== 'string' || typeof fields.method !== 'string') {
    return sendJson(res, 400, { error: 'send {"amount": "<whole rupiah>", "method": "<wayCode>"} as JSON strings' });
  }
  const input = { amount: fields.amount, method: fields.method, subject: 'Demo order', description: 'TarsPay GraphQL gateway demo checkout' };
  const answer = await yoga.fetch('http://gateway/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${options.merchantToken}` },
    body: JSON.stringify({
      operationName: 'DemoCreateCollection',
      variables: { input },
      extensions: { persistedQuery: { version: 1, sha256Hash: options.operations.DemoCreateCollection } },
    }),
  });
  type Created = { data?: { collectionCreate?: { order: { id: string } | null; clientSecret: string | null; userErrors: unknown[] } }; errors?: unknown[] };
  const body = (await answer.json()) as Created;
  const created = body.data?.collectionCreate;
  if (!created) return sendJson(res, 502, { errors: body.errors ?? [] });
  if (created.userErrors.length > 0 || !created.order || !created.clientSecret) return sendJson(res, 422, { userErrors: created.userErrors });
  res.setHeader('cache-control', 'no-store');
  sendJson(res, 201, { orderId: created.order.id, clientSecret: created.clientSecret });
}

/**
 * The demo checkout: GET /demo (the page), /demo/checkout.js, /demo/operations.js, /demo/qrcode.js,
 * and POST /demo/orders (see createDemoOrder). Returns false for other paths.
 */
export async function serveDemo(options: DemoOptions, yoga: GatewayYoga, req: IncomingMessage, path: string, res: ServerResponse): Promise<boolean> {
  const method = req.method;
  if (path === CREATE_PATH) {
    await createDemoOrder(options, yoga, req, res);
    return true;
  }
  const asset = ASSETS[path === '/demo/' ? '/demo' : path];
  if (!asset) return false;
  if (method !== 'GET' && method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return true;
  }
  let body: string;
  if ('render' in asset) body = asset.render(options);
  else {
    let text = cache.get(asset.file);
    if (!text) cache.set(asset.file, (text = readFile(asset.file, 'utf8')));
    body = path.endsWith('.js') ? await text : (await text).replace('__SANDBOX__', String(options.sandbox));
  }
  res.writeHead(200, { 'content-type': asset.type, 'content-length': Buffer.byteLength(body), ...SECURITY_HEADERS });
  res.end(method === 'HEAD' ? undefined : body);
  return true;
}

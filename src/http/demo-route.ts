import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';

export interface DemoOptions {
  /** The sandbox is the upstream: the page offers "simulate payment" (sandboxOrderSettle). */
  sandbox: boolean;
  /** The shipped trusted documents' SHA-256 hashes by operation name: the page sends these, never text. */
  operations: Record<string, string>;
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
      `// Trusted documents: SHA-256 by operation name (src/generated/persisted-documents.json).\nwindow.TRUSTED_DOCUMENTS = Object.freeze(${JSON.stringify(options.operations)});\n`,
    type: JAVASCRIPT,
  },
  // qrcode-generator's browser build (MIT): defines the global `qrcode`.
  '/demo/qrcode.js': { file: require.resolve('qrcode-generator'), type: JAVASCRIPT },
};
const cache = new Map<string, Promise<string>>();

// The page only talks to this origin; the token may be in its URL, so no referrer leaves it.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

/** The demo checkout: GET /demo (the page), /demo/checkout.js, /demo/operations.js, /demo/qrcode.js. Returns false for other paths. */
export async function serveDemo(options: DemoOptions, method: string | undefined, path: string, res: ServerResponse): Promise<boolean> {
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

import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';

export interface DemoOptions {
  /** The sandbox is the upstream: the page offers "simulate payment" (sandboxOrderSettle). */
  sandbox: boolean;
}

const require = createRequire(import.meta.url);
const ASSETS: Record<string, { file: string; type: string }> = {
  '/demo': { file: new URL('../demo/checkout.html', import.meta.url).pathname, type: 'text/html; charset=utf-8' },
  '/demo/checkout.js': { file: new URL('../demo/checkout.js', import.meta.url).pathname, type: 'text/javascript; charset=utf-8' },
  // qrcode-generator's browser build (MIT): defines the global `qrcode`.
  '/demo/qrcode.js': { file: require.resolve('qrcode-generator'), type: 'text/javascript; charset=utf-8' },
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

/** The demo checkout: GET /demo (the page), /demo/checkout.js, /demo/qrcode.js. Returns false for other paths. */
export async function serveDemo(options: DemoOptions, method: string | undefined, path: string, res: ServerResponse): Promise<boolean> {
  const asset = ASSETS[path === '/demo/' ? '/demo' : path];
  if (!asset) return false;
  if (method !== 'GET' && method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return true;
  }
  let text = cache.get(asset.file);
  if (!text) cache.set(asset.file, (text = readFile(asset.file, 'utf8')));
  const body = path.endsWith('.js') ? await text : (await text).replace('__SANDBOX__', String(options.sandbox));
  res.writeHead(200, { 'content-type': asset.type, 'content-length': Buffer.byteLength(body), ...SECURITY_HEADERS });
  res.end(method === 'HEAD' ? undefined : body);
  return true;
}

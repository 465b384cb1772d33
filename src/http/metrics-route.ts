import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';

/**
 * Where /metrics is served and who may read it:
 * - `public-port`: on PORT, with the bearer token when one is set (open without: development only);
 * - `metrics-port`: only on METRICS_PORT (PORT answers 404), with the bearer token when set;
 * - `refused`: production with neither set: PORT answers 404 with `hint`.
 */
export type MetricsExposure = { on: 'public-port'; token?: string } | { on: 'metrics-port'; port: number; token?: string } | { on: 'refused'; hint: string };

export function metricsExposure(options: { port?: number; token?: string; production: boolean }): MetricsExposure {
  if (options.port !== undefined) return { on: 'metrics-port', port: options.port, token: options.token };
  if (options.token || !options.production) return { on: 'public-port', token: options.token };
  return {
    on: 'refused',
    hint: 'In production /metrics is not served on the public port: set METRICS_PORT (a port of its own) or METRICS_TOKEN (scrape with Authorization: Bearer <token>).',
  };
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** `Authorization: Bearer <token>`, compared in constant time (the digests have equal lengths). */
function authorized(req: IncomingMessage, token: string): boolean {
  const match = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '');
  return Boolean(match) && timingSafeEqual(digest(match![1]!.trim()), digest(token));
}

/** GET /metrics: this instance's registry in Prometheus' text format, behind the token when there is one. */
export async function serveMetrics(metrics: GatewayMetrics, req: IncomingMessage, res: ServerResponse, token?: string): Promise<void> {
  if (token && !authorized(req, token)) {
    const body = JSON.stringify({ error: 'metrics need Authorization: Bearer <METRICS_TOKEN>' });
    res.writeHead(401, { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Bearer realm="metrics"', 'cache-control': 'no-store' });
    res.end(body);
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const text = await metrics.registry.metrics();
  res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : text);
}

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from './gateway-metrics.js';

/** Route labels: the paths the gateway serves; anything else is "other" (labels must stay bounded). */
const ROUTES = new Set(['/graphql', '/tarspay/notify', '/healthz', '/readyz', '/metrics', '/demo', '/return', '/']);
/** Probes, scrapes and static assets: logged at debug, not info. */
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics', '/demo']);
const REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

export function routeLabel(path: string): string {
  if (ROUTES.has(path)) return path;
  if (path.startsWith('/demo/')) return '/demo';
  return 'other';
}

/**
 * Gives the request an id (the caller's `x-request-id` when it is a sane token, else a new UUID),
 * sets it on the request (Yoga's context reads it) and on the response, and when the response
 * ends records its duration and writes one access-log line. Returns the id.
 */
export function observeRequest(req: IncomingMessage, res: ServerResponse, logger: Logger, metrics?: GatewayMetrics): string {
  const started = performance.now();
  const incoming = req.headers['x-request-id'];
  const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  req.headers['x-request-id'] = requestId;
  res.setHeader('x-request-id', requestId);
  res.once('close', () => {
    const route = routeLabel((req.url ?? '/').split('?')[0]!);
    const status = res.statusCode;
    const seconds = (performance.now() - started) / 1000;
    metrics?.httpDuration.observe({ route, method: req.method ?? 'OTHER', status: String(status) }, seconds);
    const level = status >= 500 ? 'error' : QUIET_ROUTES.has(route) ? 'debug' : 'info';
    logger[level](
      { requestId, method: req.method, route, status, durationMs: Math.round(seconds * 10_000) / 10, aborted: !res.writableFinished || undefined },
      'request',
    );
  });
  return requestId;
}

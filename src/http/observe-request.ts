import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { ContextBinder } from '../observability/http-tracing.js';

const REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/**
 * Gives the request an id (the caller's `x-request-id` when it is a sane token, else a new UUID),
 * sets it on the request (Yoga's context reads it) and on the response, and when the response
 * ends records its duration and writes one access-log line. Returns the id.
 */
export function observeRequest(
  req: IncomingMessage,
  res: ServerResponse,
  logger: Logger,
  /** The route's label ("other" for no route: labels must stay bounded) and whether its access lines are debug. */
  route: { label: string; quiet: boolean },
  metrics?: GatewayMetrics,
  /** With tracing: the access line is written in the request's trace context (it carries trace_id). */
  bind?: ContextBinder,
): string {
  const started = performance.now();
  const incoming = req.headers['x-request-id'];
  const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  req.headers['x-request-id'] = requestId;
  res.setHeader('x-request-id', requestId);
  const onClose = () => {
    const status = res.statusCode;
    const seconds = (performance.now() - started) / 1000;
    metrics?.httpDuration.observe({ route: route.label, method: req.method ?? 'OTHER', status: String(status) }, seconds);
    const level = status >= 500 ? 'error' : route.quiet ? 'debug' : 'info';
    logger[level](
      { requestId, method: req.method, route: route.label, status, durationMs: Math.round(seconds * 10_000) / 10, aborted: !res.writableFinished || undefined },
      'request',
    );
  };
  res.once('close', bind ? bind(onClose) : onClose);
  return requestId;
}

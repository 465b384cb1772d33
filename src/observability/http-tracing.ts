import type { IncomingMessage, ServerResponse } from 'node:http';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, defaultTextMapGetter, trace } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import type { Tracing } from './tracing.js';

/** Runs a function in the request's trace context (for listeners that fire outside it, e.g. the access line on 'close'). */
export type ContextBinder = <F extends (...args: never[]) => unknown>(fn: F) => F;

/**
 * The request's server span, continuing the caller's W3C `traceparent` when there is one, and
 * `serve` run inside it. Only the path is recorded, never the query string (the demo link carries
 * a token there) nor any header but the request id.
 */
export function traceHttpRequest(tracing: Tracing, req: IncomingMessage, res: ServerResponse, route: string, serve: (bind: ContextBinder) => void): void {
  const parent = tracing.propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
  const method = req.method ?? 'OTHER';
  const span = tracing.tracer.startSpan(
    route === 'other' ? method : `${method} ${route}`,
    {
      kind: SpanKind.SERVER,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: method,
        [ATTR_URL_PATH]: (req.url ?? '/').split('?')[0],
        [ATTR_URL_SCHEME]: 'http',
        [ATTR_HTTP_ROUTE]: route,
        [ATTR_NETWORK_PROTOCOL_VERSION]: req.httpVersion,
      },
    },
    parent,
  );
  const active = trace.setSpan(parent, span);
  res.once('close', () => {
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
    const requestId = req.headers['x-request-id'];
    if (typeof requestId === 'string') span.setAttribute('http.request.header.x-request-id', [requestId]);
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    if (!res.writableFinished) span.setAttribute('error.type', 'aborted');
    span.end();
  });
  context.with(active, () => serve((fn) => context.bind(active, fn)));
}

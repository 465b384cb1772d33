import type { MikroORM } from '@mikro-orm/postgresql';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { CallbackService } from './callbacks/callback.service.js';
import { handleNotify } from './callbacks/notify-route.js';
import { handleGraphQL } from './http/graphql-route.js';
import type { Readiness } from './http/readiness.js';
import { setSecurityHeaders } from './http/security-headers.js';
import type { Logger } from './logger.js';
import type { GatewayYoga } from './graphql/yoga.js';
import { attachGraphQLWebSocket } from './graphql/websocket.js';
import type { WebSocketSessions } from './graphql/websocket-sessions.js';
import { serveDemo, type DemoOptions } from './demo/demo-route.js';
import type { GatewayMetrics } from './metrics/gateway-metrics.js';
import { serveMetrics, type MetricsExposure } from './metrics/metrics-route.js';
import { observeRequest } from './metrics/observe-request.js';

export interface HttpRoutes {
  yoga: GatewayYoga;
  callbacks: CallbackService;
  /** GET /readyz: see src/http/readiness.ts. */
  readiness: () => Promise<Readiness>;
  logger: Logger;
  /** HTTP request durations, and GET /metrics as `metricsExposure` says. */
  metrics?: GatewayMetrics;
  metricsExposure?: MetricsExposure;
  /** Serves the demo checkout at /demo (development). */
  demo?: DemoOptions;
  /** graphql-ws ping interval (pong expected before the next). */
  webSocketKeepAliveMs?: number;
  /** WebSocket connections by token: caps and token re-checks. */
  webSocketSessions: WebSocketSessions;
  /** graphql-ws authenticates connection_init against it. */
  orm: MikroORM;
}

/** Wiring only: GraphQL over HTTP and WebSocket on one port, TarsPay callbacks, health probes, the payer's return page. */
export function createHttpServer(routes: HttpRoutes): { server: Server; closeWebSockets(): Promise<void> } {
  const server = createServer((req, res) => {
    setSecurityHeaders(res);
    const requestId = observeRequest(req, res, routes.logger, routes.metrics);
    void route(routes, req, res).catch((error: unknown) => {
      routes.logger.error({ err: error, url: req.url, requestId }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  const websocket = attachGraphQLWebSocket(server, routes.yoga, { keepAliveMs: routes.webSocketKeepAliveMs, orm: routes.orm, sessions: routes.webSocketSessions });
  return { server, closeWebSockets: websocket.close };
}

async function route(routes: HttpRoutes, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (path === routes.yoga.graphqlEndpoint) return handleGraphQL(routes.yoga, req, res);
  if (path === '/tarspay/notify') return handleNotify(routes.callbacks, req, res);
  if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
  if (path === '/readyz') return sendReadiness(routes.readiness, res);
  if (path === '/metrics' && routes.metrics && routes.metricsExposure?.on === 'public-port') {
    return serveMetrics(routes.metrics, req, res, routes.metricsExposure.token);
  }
  if (path === '/metrics' && routes.metricsExposure?.on === 'refused') return sendJson(res, 404, { error: routes.metricsExposure.hint });
  if (path?.startsWith('/demo') && routes.demo && (await serveDemo(routes.demo, req.method, path, res))) return;
  if (path === '/return') return sendReturnPage(res);
  if (path === '/') {
    res.writeHead(302, { location: routes.yoga.graphqlEndpoint }).end();
    return;
  }
  sendJson(res, 404, { error: `no route for ${req.method} ${path}` });
}

async function sendReadiness(readiness: () => Promise<Readiness>, res: ServerResponse): Promise<void> {
  const result = await readiness();
  res.setHeader('cache-control', 'no-store');
  sendJson(res, result.status === 'ready' ? 200 : 503, result);
}

function sendReturnPage(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end('<!doctype html><title>Payment</title><p>Thank you. Your payment is being confirmed; you may close this page.</p>');
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

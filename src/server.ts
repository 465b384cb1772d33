import type { MikroORM } from '@mikro-orm/postgresql';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { attachGraphQLWebSocket } from './graphql/websocket.js';
import type { WebSocketSessions } from './graphql/websocket-sessions.js';
import type { TrustedDocuments } from './graphql/trusted-documents.js';
import { observeRequest } from './http/observe-request.js';
import { findRoute, gatewayRoutes, sendNotFound, type RouteDependencies } from './http/routes.js';
import { setSecurityHeaders } from './http/security-headers.js';
import { sendJson } from './http/send.js';
import type { Logger } from './observability/logger.js';
import { traceHttpRequest, type ContextBinder } from './observability/http-tracing.js';
import type { Tracing } from './observability/tracing.js';

export interface HttpServerOptions extends RouteDependencies {
  logger: Logger;
  /** Each request gets a server span (when OTEL_* turn tracing on). */
  tracing?: Tracing;
  /** graphql-ws ping interval (pong expected before the next). */
  webSocketKeepAliveMs?: number;
  /** WebSocket connections by token: caps and token re-checks. */
  webSocketSessions: WebSocketSessions;
  /** graphql-ws authenticates connection_init against it. */
  orm: MikroORM;
  /** Subscribe messages may name these by hash, as HTTP requests may. */
  trustedDocuments: TrustedDocuments;
  /** A server already listening (reservePort, src/http/listen.ts): it gets the routes. Else a new one, not yet listening. */
  server?: Server;
}

/** Wiring only: the routes of src/http/routes.ts over HTTP, and GraphQL over WebSocket, on one port. */
export function createHttpServer(options: HttpServerOptions): { server: Server; closeWebSockets: () => Promise<void> } {
  const routes = gatewayRoutes(options);
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const route = findRoute(routes, path);
    setSecurityHeaders(res);
    const label = route?.path ?? 'other';
    const serve = (bind?: ContextBinder) => {
      const requestId = observeRequest(req, res, options.logger, { label, quiet: route?.quiet ?? false }, options.metrics, bind);
      void Promise.resolve(route ? route.handle(req, res, path) : sendNotFound(req, res, path)).catch((error: unknown) => {
        options.logger.error({ err: error, url: req.url, requestId }, 'request failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.destroy();
      });
    };
    if (options.tracing) traceHttpRequest(options.tracing, req, res, label, serve);
    else serve();
  };
  const server = options.server ?? createServer();
  server.removeAllListeners('request');
  server.on('request', handle);
  const websocket = attachGraphQLWebSocket(server, options.yoga, {
    keepAliveMs: options.webSocketKeepAliveMs,
    orm: options.orm,
    sessions: options.webSocketSessions,
    trustedDocuments: options.trustedDocuments,
  });
  return { server, closeWebSockets: websocket.close };
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallbackService } from '../callbacks/callback.service.js';
import type { GatewayYoga } from '../graphql/yoga.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { serveDemo, type DemoOptions } from './demo-route.js';
import { GRAPHIQL_FILES_PATH } from '../graphiql/files.js';
import { serveGraphiQLFile } from './graphiql-route.js';
import { handleGraphQL } from './graphql-route.js';
import { serveMetrics, type MetricsExposure } from './metrics-route.js';
import { handleNotify } from './notify-route.js';
import type { Readiness } from './readiness.js';
import { sendJson } from './send.js';

export interface Route {
  /** The path, or its start when `prefix` is set. Also the route's metric label. */
  path: string;
  prefix?: boolean;
  /** Probes, scrapes and static assets: access lines at debug, not info. */
  quiet?: boolean;
  handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> | void;
}

export interface RouteDependencies {
  yoga: GatewayYoga;
  callbacks: CallbackService;
  /** GET /readyz: see readiness.ts. */
  readiness: () => Promise<Readiness>;
  metrics?: GatewayMetrics;
  metricsExposure?: MetricsExposure;
  /** Serves GraphiQL's files at /graphiql/ (its page is Yoga's answer to a browser at /graphql). */
  graphiql?: boolean;
  /** Serves the demo checkout at /demo (development). */
  demo?: DemoOptions;
}

/** Every HTTP route of the gateway's main port, in one table. */
export function gatewayRoutes(deps: RouteDependencies): Route[] {
  const routes: Route[] = [
    { path: deps.yoga.graphqlEndpoint, handle: (req, res) => handleGraphQL(deps.yoga, req, res) },
    { path: '/tarspay/notify', handle: (req, res) => handleNotify(deps.callbacks, req, res) },
    { path: '/healthz', quiet: true, handle: (_req, res) => sendJson(res, 200, { status: 'ok' }) },
    { path: '/readyz', quiet: true, handle: (_req, res) => sendReadiness(deps.readiness, res) },
    { path: '/return', handle: (_req, res) => sendReturnPage(res) },
    { path: '/', handle: (_req, res) => void res.writeHead(302, { location: deps.yoga.graphqlEndpoint }).end() },
  ];
  const { metrics, metricsExposure, demo, graphiql } = deps;
  if (metrics && metricsExposure?.on === 'public-port') {
    routes.push({ path: '/metrics', quiet: true, handle: (req, res) => serveMetrics(metrics, req, res, metricsExposure.token) });
  } else if (metricsExposure?.on === 'refused') {
    routes.push({ path: '/metrics', quiet: true, handle: (_req, res) => sendJson(res, 404, { error: metricsExposure.hint }) });
  }
  if (graphiql) {
    routes.push({
      path: GRAPHIQL_FILES_PATH,
      prefix: true,
      quiet: true,
      handle: async (req, res, path) => {
        if (!(await serveGraphiQLFile(req, res, path))) sendNotFound(req, res, path);
      },
    });
  }
  if (demo) {
    routes.push({
      path: '/demo',
      prefix: true,
      quiet: true,
      handle: async (req, res, path) => {
        if (!(await serveDemo(demo, deps.yoga, req, path, res))) sendNotFound(req, res, path);
      },
    });
  }
  return routes;
}

export function findRoute(routes: readonly Route[], path: string): Route | undefined {
  return routes.find((route) => (route.prefix ? path === route.path || path.startsWith(`${route.path}/`) : path === route.path));
}

export function sendNotFound(req: IncomingMessage, res: ServerResponse, path: string): void {
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

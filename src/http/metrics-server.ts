import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { listenOn } from './listen.js';
import { setSecurityHeaders } from './security-headers.js';
import { serveMetrics } from './metrics-route.js';

export interface MetricsServer {
  /** `http://host:port` it listens on. */
  url: string;
  close(): Promise<void>;
}

/** METRICS_PORT: a small HTTP server of its own that answers GET /metrics and nothing else. */
export async function startMetricsServer(options: {
  metrics: GatewayMetrics;
  host: string;
  port: number;
  token?: string;
  logger: Logger;
}): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    setSecurityHeaders(res);
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ error: 'only /metrics is served on this port' }));
      return;
    }
    serveMetrics(options.metrics, req, res, options.token).catch((error: unknown) => {
      options.logger.error({ err: error }, 'metrics scrape failed');
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  await listenOn(server, { port: options.port, host: options.host, variable: 'METRICS_PORT' });
  const { port } = server.address() as AddressInfo;
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

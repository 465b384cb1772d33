import type { ServerResponse } from 'node:http';
import type { GatewayMetrics } from './gateway-metrics.js';

/** GET /metrics: this instance's registry in Prometheus' text format. */
export async function serveMetrics(metrics: GatewayMetrics, res: ServerResponse): Promise<void> {
  const text = await metrics.registry.metrics();
  res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
  res.end(text);
}

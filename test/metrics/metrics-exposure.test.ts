import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseEnvironment } from '../../src/config.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

const METRICS_TOKEN = 'scrape-me-0123456789abcdef';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('METRICS_TOKEN: /metrics on the public port wants the bearer token', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ env: { METRICS_TOKEN } });
  });
  afterAll(() => t?.close());

  it('answers 401 without the token or with another, the metrics with it', async () => {
    const anonymous = await fetch(`${t.gateway.url}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toContain('Bearer');
    expect(await anonymous.text()).not.toContain('tarspay_gateway_');
    expect((await fetch(`${t.gateway.url}/metrics`, { headers: bearer(`${METRICS_TOKEN}x`) })).status).toBe(401);
    expect((await fetch(`${t.gateway.url}/metrics`, { headers: bearer(METRICS_TOKEN.slice(0, -1)) })).status).toBe(401);
    const scraped = await fetch(`${t.gateway.url}/metrics`, { headers: bearer(METRICS_TOKEN) });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('tarspay_gateway_http_request_duration_seconds');
    expect(t.gateway.metricsUrl).toBeUndefined();
  });
});

describe('METRICS_PORT: /metrics on a port of its own', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ env: { METRICS_PORT: '0', METRICS_TOKEN } });
  });
  afterAll(() => t?.close());

  it('is served there only, still behind the token, and the public port answers 404', async () => {
    expect((await fetch(`${t.gateway.url}/metrics`, { headers: bearer(METRICS_TOKEN) })).status).toBe(404);
    const metricsUrl = t.gateway.metricsUrl!;
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(metricsUrl).not.toBe(t.gateway.url);
    expect((await fetch(`${metricsUrl}/metrics`)).status).toBe(401);
    const scraped = await fetch(`${metricsUrl}/metrics`, { headers: bearer(METRICS_TOKEN) });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('tarspay_gateway_orders');
    expect((await fetch(`${metricsUrl}/graphql`)).status).toBe(404);
  });

  it('is closed with the gateway', async () => {
    const metricsUrl = t.gateway.metricsUrl!;
    await t.gateway.close();
    await expect(fetch(`${metricsUrl}/metrics`, { headers: bearer(METRICS_TOKEN) })).rejects.toThrow();
  });
});

describe('production with neither METRICS_PORT nor METRICS_TOKEN', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ env: { NODE_ENV: 'production' } });
  });
  afterAll(() => t?.close());

  it('does not serve /metrics on the public port, and says what to set', async () => {
    const response = await fetch(`${t.gateway.url}/metrics`);
    expect(response.status).toBe(404);
    const text = await response.text();
    expect(text).toContain('METRICS_PORT');
    expect(text).toContain('METRICS_TOKEN');
    expect(text).not.toContain('tarspay_gateway_');
  });
});

describe('configuration', () => {
  it('refuses a METRICS_PORT equal to PORT and a short METRICS_TOKEN', () => {
    expect(() => parseEnvironment({ PORT: '4000', METRICS_PORT: '4000' })).toThrow(ConfigError);
    expect(() => parseEnvironment({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
    expect(parseEnvironment({ METRICS_PORT: '9464' }).metrics.port).toBe(9464);
  });
});

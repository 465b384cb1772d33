import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnvironment } from '../../src/config.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

const QUERY = JSON.stringify({ query: '{ __typename }' });

function post(t: TestGateway, origin: string): Promise<Response> {
  return fetch(`${t.gateway.url}/graphql`, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: QUERY });
}

function preflight(t: TestGateway, origin: string): Promise<Response> {
  return fetch(`${t.gateway.url}/graphql`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
  });
}

describe('CORS_ORIGINS in production: an allowlist', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ env: { NODE_ENV: 'production', CORS_ORIGINS: 'https://shop.example, https://admin.shop.example:8443' } });
  });
  afterAll(() => t?.close());

  it('lets a listed origin call /graphql, never with credentials', async () => {
    for (const origin of ['https://shop.example', 'https://admin.shop.example:8443']) {
      const response = await post(t, origin);
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe(origin);
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
      expect(response.headers.get('access-control-expose-headers')).toContain('x-request-id');
    }
    const allowed = await preflight(t, 'https://shop.example');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('gives any other origin no CORS answer, simple request or preflight', async () => {
    for (const origin of ['https://evil.example', 'https://shop.example.evil.example', 'http://shop.example', 'null']) {
      for (const response of [await post(t, origin), await preflight(t, origin)]) {
        expect(response.headers.get('access-control-allow-origin'), origin).toBeNull();
        expect(response.headers.get('access-control-allow-credentials'), origin).toBeNull();
      }
    }
  });
});

describe('production without CORS_ORIGINS', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ env: { NODE_ENV: 'production' } });
  });
  afterAll(() => t?.close());

  it('allows no cross-origin browser access', async () => {
    for (const response of [await post(t, 'https://shop.example'), await preflight(t, 'https://shop.example')]) {
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });
});

describe('development without CORS_ORIGINS', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ env: { NODE_ENV: 'development' } });
  });
  afterAll(() => t?.close());

  it('allows any origin, but never with credentials', async () => {
    const response = await post(t, 'http://localhost:5173');
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    const allowed = await preflight(t, 'https://anything.example');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://anything.example');
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
  });
});

describe('CORS_ORIGINS', () => {
  it('takes exact origins and refuses anything else, naming it', () => {
    expect(parseEnvironment({ CORS_ORIGINS: 'https://shop.example,http://localhost:3000/' }).http.corsOrigins).toEqual([
      'https://shop.example',
      'http://localhost:3000',
    ]);
    expect(() => parseEnvironment({ CORS_ORIGINS: 'https://shop.example/checkout' })).toThrow(
      /CORS_ORIGINS.*"https:\/\/shop.example\/checkout" is not an origin/s,
    );
    expect(() => parseEnvironment({ CORS_ORIGINS: '*' })).toThrow(/CORS_ORIGINS/);
    expect(() => parseEnvironment({ CORS_ORIGINS: 'shop.example' })).toThrow(/CORS_ORIGINS/);
  });
});

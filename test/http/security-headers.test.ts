import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(() => t?.close());

/** Reads the body too: an unread answer keeps its connection busy, and the gateway's close waits for it. */
async function expectSecurityHeaders(response: Response, what: string): Promise<void> {
  await response.arrayBuffer();
  expect(response.headers.get('x-content-type-options'), what).toBe('nosniff');
  expect(response.headers.get('content-security-policy'), what).toContain("frame-ancestors 'none'");
  expect(response.headers.get('referrer-policy'), what).toBe('no-referrer');
}

describe('security headers', () => {
  it('are on every answer: GraphQL (ok, error, too large), probes, metrics, callbacks, 404', async () => {
    const graphql = (body: string) => fetch(`${t.gateway.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await expectSecurityHeaders(await graphql(JSON.stringify({ query: '{ __typename }' })), 'POST /graphql');
    await expectSecurityHeaders(await graphql(JSON.stringify({ query: '{ balance { availableAmount } }' })), 'POST /graphql, unauthenticated');
    await expectSecurityHeaders(await graphql('{"query": "'.padEnd(1024 * 1024 + 10, 'x')), 'POST /graphql, 413');
    await expectSecurityHeaders(await fetch(`${t.gateway.url}/graphql?query=${encodeURIComponent('{ __typename }')}`), 'GET /graphql');
    for (const path of ['/healthz', '/readyz', '/metrics', '/return', '/nowhere']) await expectSecurityHeaders(await fetch(`${t.gateway.url}${path}`), path);
    await expectSecurityHeaders(await fetch(`${t.gateway.url}/tarspay/notify`, { method: 'POST', body: 'not a callback' }), '/tarspay/notify');
  });

  it('GraphiQL gets a policy it can run under, still refusing frames', async () => {
    const response = await fetch(`${t.gateway.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.headers.get('content-type')).toContain('text/html');
    await expectSecurityHeaders(response, 'GraphiQL');
    const policy = response.headers.get('content-security-policy')!;
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("connect-src 'self'");
    expect(policy).toContain('worker-src');
  });

  it('the demo page keeps its own stricter policy', async () => {
    const response = await fetch(`${t.gateway.url}/demo`);
    await expectSecurityHeaders(response, '/demo');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('content-security-policy')).not.toContain("unsafe-inline'; style");
  });
});

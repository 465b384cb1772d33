import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, SETTLE, collectionInput } from '../helpers/operations.js';
import { waitFor } from '../helpers/wait.js';
import { collect, wsClient } from '../helpers/ws-client.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text format → samples (enough of it for these assertions). */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of match[2]?.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g) ?? []) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted));
  return found.length ? found.reduce((sum, sample) => sum + sample.value, 0) : undefined;
}

let t: TestGateway;
let merchant: Merchant;
let token: string;

async function scrape(): Promise<{ text: string; samples: Sample[] }> {
  const response = await fetch(`${t.gateway.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  const text = await response.text();
  return { text, samples: parseMetrics(text) };
}

beforeAll(async () => {
  t = await startTestGateway();
  merchant = await t.addMerchant('M-METRICS-1');
  token = await t.token(merchant);
});
afterAll(() => t?.close());

describe('/metrics after a collection is created, watched, settled and called back', () => {
  it('has every family, with values from the flow', async () => {
    const created = await t.graphql(token, `mutation CreateCollection($input: CollectionCreateInput!) ${COLLECTION_CREATE.slice(COLLECTION_CREATE.indexOf('{'))}`, { input: collectionInput() });
    const order = created.data!.collectionCreate.order as { id: string };
    const client = wsClient(t.gateway.url, token);
    const updates = collect<{ orderUpdated: { status: string } }>(client, 'subscription Watch($id: ID!) { orderUpdated(id: $id) { status } }', { id: order.id });
    await waitFor(() => (updates.values.length === 1 ? true : undefined));

    const during = await scrape();
    expect(value(during.samples, 'tarspay_gateway_graphql_subscriptions_open', { field: 'orderUpdated' })).toBe(1);

    const settled = await t.graphql(token, `mutation Settle($id: ID!, $outcome: SandboxOutcome!, $paidAmount: String) ${SETTLE.slice(SETTLE.indexOf('{'))}`, { id: order.id, outcome: 'SUCCEEDED' });
    expect(settled.data!.sandboxOrderSettle.userErrors).toEqual([]);
    await updates.completed;
    expect(updates.values.map((update) => update.orderUpdated.status)).toEqual(['CREATED', 'SUCCEEDED']);
    await client.dispose();

    t.sandbox.faults.add({ path: '/api/balanceInfo', mode: 'http500', count: 10 });
    const balance = await t.graphql(token, 'query Balance { balance { availableAmount } }');
    expect(balance.errors).toBeDefined();
    t.sandbox.faults.clear();
    const logged = t.logs.map((text) => JSON.parse(text)).find((entry) => entry.msg === 'graphql error' && entry.operationName === 'Balance');
    expect(logged).toMatchObject({ level: 40, code: 'UPSTREAM_UNAVAILABLE', requestId: expect.any(String), merchant: 'M-METRICS-1' });
    await t.gateway.reconciler.runOnce();

    const { text, samples } = await scrape();
    const m = (name: string, labels?: Record<string, string>) => value(samples, `tarspay_gateway_${name}`, labels);
    // HTTP, by route template and status
    expect(m('http_request_duration_seconds_count', { route: '/graphql', method: 'POST', status: '200' })).toBeGreaterThanOrEqual(3);
    expect(m('http_request_duration_seconds_count', { route: '/tarspay/notify', method: 'POST', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(m('http_request_duration_seconds_count', { route: '/metrics' })).toBeGreaterThanOrEqual(1);
    // GraphQL, by operation name and type (over HTTP and over the WebSocket)
    expect(m('graphql_operation_duration_seconds_count', { operation_name: 'CreateCollection', operation_type: 'mutation', outcome: 'ok' })).toBe(1);
    expect(m('graphql_operation_duration_seconds_count', { operation_name: 'Settle', operation_type: 'mutation', outcome: 'ok' })).toBe(1);
    expect(m('graphql_operation_duration_seconds_count', { operation_name: 'Balance', operation_type: 'query', outcome: 'error' })).toBe(1);
    expect(m('graphql_subscriptions_started_total', { field: 'orderUpdated' })).toBe(1);
    await waitFor(async () => (value((await scrape()).samples, 'tarspay_gateway_graphql_subscriptions_open', { field: 'orderUpdated' }) === 0 ? true : undefined));
    // TarsPay calls, and their errors by endpoint and code
    expect(m('upstream_request_duration_seconds_count', { outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(samples.some((sample) => sample.name === 'tarspay_gateway_upstream_request_duration_seconds_count' && sample.labels.endpoint?.startsWith('/api/'))).toBe(true);
    expect(m('upstream_errors_total', { endpoint: '/api/balanceInfo' })).toBeGreaterThanOrEqual(1);
    // callbacks, reconciler, orders by status
    expect(m('callbacks_total', { outcome: 'APPLIED' })).toBeGreaterThanOrEqual(1);
    expect(m('reconciler_runs_total')).toBeGreaterThanOrEqual(1);
    expect(m('reconciler_orders_claimed_total')).toBeGreaterThanOrEqual(0);
    expect(m('reconciler_orders_changed_total')).toBeGreaterThanOrEqual(0);
    expect(m('orders', { kind: 'COLLECTION', status: 'SUCCEEDED' })).toBe(1);
    // process metrics from prom-client's defaults
    expect(value(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    // No secret ever becomes a label.
    expect(text).not.toContain(token);
    expect(text).not.toContain(t.privateKeyOf(merchant).revealHex());
  });

  it('keeps each gateway instance in its own registry', async () => {
    const peer = await t.startPeer();
    const text = await (await fetch(`${peer.url}/metrics`)).text();
    expect(value(parseMetrics(text), 'tarspay_gateway_graphql_operation_duration_seconds_count', { operation_name: 'CreateCollection' })).toBeUndefined();
    expect(value(parseMetrics(text), 'tarspay_gateway_orders', { status: 'SUCCEEDED' })).toBe(1); // the database is shared
  });
});

describe('request ids', () => {
  it('echoes x-request-id (or makes one) and logs GraphQL errors with it', async () => {
    const given = await fetch(`${t.gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-metrics-test-1' },
      body: JSON.stringify({ query: 'query Anonymous { balance { availableAmount } }' }),
    });
    expect(given.headers.get('x-request-id')).toBe('req-metrics-test-1');
    expect(((await given.json()) as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const line = t.logs.map((text) => JSON.parse(text)).find((entry) => entry.msg === 'graphql error' && entry.requestId === 'req-metrics-test-1');
    expect(line).toMatchObject({ code: 'UNAUTHENTICATED', operationName: 'Anonymous', level: 30 });
    expect(t.logs.some((text) => text.includes('"requestId":"req-metrics-test-1"') && text.includes('"route":"/graphql"'))).toBe(true);

    const made = await fetch(`${t.gateway.url}/healthz`);
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const refused = await fetch(`${t.gateway.url}/healthz`, { headers: { 'x-request-id': 'has spaces and "quotes"' } });
    expect(refused.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

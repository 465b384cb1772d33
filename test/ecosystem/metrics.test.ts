import { randomUUID } from 'node:crypto';
import { encodeGlobalID } from '@pothos/plugin-relay';
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
  // Orders are counted at most once a second here (30 s by default), so the flow sees its changes.
  t = await startTestGateway({ env: { METRICS_ORDERS_CACHE_MS: '1000' } });
  merchant = await t.addMerchant('M-METRICS-1');
  token = await t.token(merchant);
});
afterAll(() => t?.close());

describe('/metrics after a collection is created, watched, settled and called back', () => {
  it('has every family, with values from the flow', async () => {
    const created = await t.graphql(
      token,
      `mutation CreateCollection($input: CollectionCreateInput!) ${COLLECTION_CREATE.slice(COLLECTION_CREATE.indexOf('{'))}`,
      { input: collectionInput() },
    );
    const order = created.data!.collectionCreate.order as { id: string };
    const client = wsClient(t.gateway.url, token);
    const updates = collect<{ orderUpdated: { status: string } }>(client, 'subscription Watch($id: ID!) { orderUpdated(id: $id) { status } }', {
      id: order.id,
    });
    await waitFor(() => (updates.values.length === 1 ? true : undefined));

    const during = await scrape();
    expect(value(during.samples, 'tarspay_gateway_graphql_subscriptions_open', { field: 'orderUpdated' })).toBe(1);

    const settled = await t.graphql(
      token,
      `mutation SandboxSettle($id: ID!, $outcome: SandboxOutcome!, $paidAmount: String) ${SETTLE.slice(SETTLE.indexOf('{'))}`,
      { id: order.id, outcome: 'SUCCEEDED' },
    );
    expect(settled.data!.sandboxOrderSettle.userErrors).toEqual([]);
    await updates.completed;
    expect(updates.values.map((update) => update.orderUpdated.status)).toEqual(['CREATED', 'SUCCEEDED']);
    await client.dispose();

    t.sandbox.faults.add({ path: '/api/balanceInfo', mode: 'http500', count: 10 });
    const balance = await t.graphql(token, 'query GetBalance { balance { availableAmount } }');
    expect(balance.errors).toBeDefined();
    t.sandbox.faults.clear();
    const logged = t.logs.map((text) => JSON.parse(text)).find((entry) => entry.msg === 'graphql error' && entry.operationName === 'GetBalance');
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
    expect(m('graphql_operation_duration_seconds_count', { operation_name: 'SandboxSettle', operation_type: 'mutation', outcome: 'ok' })).toBe(1);
    expect(m('graphql_operation_duration_seconds_count', { operation_name: 'GetBalance', operation_type: 'query', outcome: 'error' })).toBe(1);
    expect(m('graphql_subscriptions_started_total', { field: 'orderUpdated' })).toBe(1);
    await waitFor(async () =>
      value((await scrape()).samples, 'tarspay_gateway_graphql_subscriptions_open', { field: 'orderUpdated' }) === 0 ? true : undefined,
    );
    // TarsPay calls, and their errors by endpoint and code
    expect(m('upstream_request_duration_seconds_count', { outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(
      samples.some((sample) => sample.name === 'tarspay_gateway_upstream_request_duration_seconds_count' && sample.labels.endpoint?.startsWith('/api/')),
    ).toBe(true);
    expect(m('upstream_errors_total', { endpoint: '/api/balanceInfo' })).toBeGreaterThanOrEqual(1);
    // callbacks, reconciler, orders by status
    expect(m('callbacks_total', { outcome: 'APPLIED' })).toBeGreaterThanOrEqual(1);
    expect(m('reconciler_runs_total')).toBeGreaterThanOrEqual(1);
    expect(m('reconciler_orders_claimed_total')).toBeGreaterThanOrEqual(0);
    expect(m('reconciler_orders_changed_total')).toBeGreaterThanOrEqual(0);
    await waitFor(async () =>
      value((await scrape()).samples, 'tarspay_gateway_orders', { kind: 'COLLECTION', status: 'SUCCEEDED' }) === 1 ? true : undefined,
    );
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
    expect((await given.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const line = t.logs.map((text) => JSON.parse(text)).find((entry) => entry.msg === 'graphql error' && entry.requestId === 'req-metrics-test-1');
    expect(line).toMatchObject({ code: 'UNAUTHENTICATED', operationName: 'Anonymous', level: 30 });
    expect(t.logs.some((text) => text.includes('"requestId":"req-metrics-test-1"') && text.includes('"route":"/graphql"'))).toBe(true);

    const made = await fetch(`${t.gateway.url}/healthz`);
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const refused = await fetch(`${t.gateway.url}/healthz`, { headers: { 'x-request-id': 'has spaces and "quotes"' } });
    expect(refused.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('labels and gauges stay bounded and correct', () => {
  it('labels only the operation names the project ships; any other name is "other"', async () => {
    for (let i = 0; i < 30; i += 1) await t.graphql(token, `query Junk${i}x${'y'.repeat(i)} { paymentMethods { code } }`);
    await t.graphql(token, 'query GetBalance { balance { availableAmount } }');
    await t.graphql(token, '{ paymentMethods { code } }');
    const { samples } = await scrape();
    const names = new Set(
      samples.filter((sample) => sample.name === 'tarspay_gateway_graphql_operation_duration_seconds_count').map((sample) => sample.labels.operation_name),
    );
    expect([...names].filter((name) => name!.startsWith('Junk'))).toEqual([]);
    expect(value(samples, 'tarspay_gateway_graphql_operation_duration_seconds_count', { operation_name: 'other' })).toBeGreaterThanOrEqual(30);
    expect(names).toContain('GetBalance');
    expect(names).toContain('anonymous');
  });

  it('counts subscriptions refused with NOT_FOUND and subscriptions whose client left as closed', async () => {
    const open = async (field: string) => value((await scrape()).samples, 'tarspay_gateway_graphql_subscriptions_open', { field }) ?? 0;
    const client = wsClient(t.gateway.url, token);
    const missing = Array.from({ length: 5 }, () =>
      collect(client, 'subscription OrderUpdated($id: ID!) { orderUpdated(id: $id) { status } }', { id: encodeGlobalID('Order', randomUUID()) }),
    );
    await Promise.all(missing.map((subscription) => subscription.completed));
    for (const subscription of missing) expect(JSON.stringify(subscription.errors)).toMatch(/NOT_FOUND|No order/);
    expect(await open('orderUpdated')).toBe(0);

    // Streaming, then the client stops one and drops the socket with the others.
    const created = await t.graphql(token, COLLECTION_CREATE, { input: collectionInput() });
    const orderId = created.data!.collectionCreate.order.id as string;
    const watching = collect(client, 'subscription OrderUpdated($id: ID!) { orderUpdated(id: $id) { status } }', { id: orderId });
    await waitFor(() => (watching.values.length === 1 ? true : undefined));
    const other = wsClient(t.gateway.url, token);
    const events = [collect(other, 'subscription { orderEvents { status } }'), collect(other, 'subscription { orderEvents { status } }')];
    await waitFor(async () => ((await open('orderEvents')) === 2 ? true : undefined));
    // It joins the others' shared execution (see shared-subscriptions.ts), then leaves it.
    const stopped = collect(client, 'subscription { orderEvents { status } }');
    await waitFor(async () => ((await open('orderEvents')) === 3 ? true : undefined));
    expect(await open('orderUpdated')).toBe(1);
    stopped.dispose();
    await waitFor(async () => ((await open('orderEvents')) === 2 ? true : undefined));
    await client.dispose();
    await other.dispose();
    await Promise.all(events.map((subscription) => subscription.completed));
    await waitFor(async () => ((await open('orderEvents')) === 0 && (await open('orderUpdated')) === 0 ? true : undefined));
  });
});

describe('orders by status', () => {
  let quiet: TestGateway;
  beforeAll(async () => {
    quiet = await startTestGateway(); // the default period: 30 s
  });
  afterAll(() => quiet?.close());

  it('are counted by one query per period, however often Prometheus scrapes', async () => {
    const merchantQ = await quiet.addMerchant('M-METRICS-Q');
    await quiet.graphql(await quiet.token(merchantQ), COLLECTION_CREATE, { input: collectionInput() });
    quiet.recordQueries = true;
    const texts = await Promise.all(Array.from({ length: 10 }, () => fetch(`${quiet.gateway.url}/metrics`).then((response) => response.text())));
    for (let i = 0; i < 10; i += 1) texts.push(await (await fetch(`${quiet.gateway.url}/metrics`)).text());
    quiet.recordQueries = false;
    expect(quiet.queries.filter((sql) => /group by/i.test(sql))).toHaveLength(1);
    for (const text of texts) expect(value(parseMetrics(text), 'tarspay_gateway_orders', { kind: 'COLLECTION', status: 'CREATED' })).toBe(1);
    expect(texts[0]).toMatch(/# HELP tarspay_gateway_orders .*at most once every 30 s/);
    expect(texts[0]).not.toContain('M-METRICS-Q');
  });
});

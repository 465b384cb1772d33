import { randomBytes } from 'node:crypto';
import { SpanKind, diag } from '@opentelemetry/api';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/auth/tokens.js';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { PrivateKey } from '../../src/tarspay/signer.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { SETTLE, collectionInput } from '../helpers/operations.js';
import { Trace, spanText, startCollector, startRecordingProxy } from '../helpers/tracing.js';
import { closedPort, waitFor } from '../helpers/wait.js';
import { ENDPOINT_CREATE, PAID_DOCUMENT, startWebhookReceiver } from '../helpers/webhooks.js';
import { collect, wsClient } from '../helpers/ws-client.js';

const CREATE = `mutation CreateCollection($input: CollectionCreateInput!) {
  collectionCreate(input: $input) { order { id status platformOrderId } userErrors { field code message } }
}`;

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

async function post(url: string, token: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: Array<{ message: string }> } };
}

describe('tracing with an in-memory exporter', () => {
  const exporter = new InMemorySpanExporter();
  const platformKey = PrivateKey.generate();
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
  let t: TestGateway;
  let merchant: Merchant;
  let token: string;
  const spansOf = (traceId: string) => Trace.of(exporter.getFinishedSpans(), traceId);

  beforeAll(async () => {
    // TarsPay calls go through a proxy that keeps their headers: their signatures must appear in no span.
    proxy = await startRecordingProxy();
    t = await startTestGateway({
      sandbox: { platformPrivateKey: platformKey.revealHex() },
      env: { RECONCILE_INTERVAL_MS: '0' },
      gateway: { tarspayBaseUrl: proxy.url, tracing: { spanProcessors: [new SimpleSpanProcessor(exporter)] } },
    });
    proxy.target = t.sandbox.url;
    merchant = await t.addMerchant('M-TRACING');
    token = await t.token(merchant);
  });
  afterAll(async () => {
    await t.close();
    await proxy.close();
  });

  it('a create is one trace: the HTTP request, the GraphQL operation, its SQL and the TarsPay call, continuing the caller’s traceparent', async () => {
    const traceId = hex(16);
    const callerSpanId = hex(8);
    const input = collectionInput();
    const fresh = await t.token(merchant); // not in the gateway's token cache yet: the ORM looks it up
    const { body } = await post(t.gateway.url, fresh, CREATE, { input }, { traceparent: `00-${traceId}-${callerSpanId}-01` });
    expect(body.data!.collectionCreate.userErrors).toEqual([]);

    const trace = await waitFor(() => (spansOf(traceId).named('POST /graphql').length ? spansOf(traceId) : undefined));
    const http = trace.root();
    expect(http.name).toBe('POST /graphql');
    expect(http.kind).toBe(SpanKind.SERVER);
    expect(http.parentSpanContext?.spanId).toBe(callerSpanId);
    expect(http.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/graphql',
      'url.path': '/graphql',
      'http.response.status_code': 200,
    });

    const operation = trace.one('mutation.CreateCollection');
    expect(trace.parentOf(operation)).toBe(http);
    expect(operation.attributes).toMatchObject({ 'graphql.execute.operationName': 'CreateCollection', 'graphql.execute.operationType': 'mutation' });

    const tarspay = trace.one('TarsPay /api/pay/unifiedOrder');
    expect(trace.parentOf(tarspay)).toBe(operation);
    expect(tarspay.kind).toBe(SpanKind.CLIENT);
    expect(tarspay.attributes).toMatchObject({
      'url.path': '/api/pay/unifiedOrder',
      'http.response.status_code': 200,
      'tarspay.outcome': 'ok',
      'tarspay.attempt': 1,
    });

    const sql = trace.sql();
    expect(sql.length).toBeGreaterThan(0);
    expect(sql.some((span) => trace.parentOf(span) === operation && span.name === 'insert orders')).toBe(true);
    for (const span of sql) {
      expect(span.kind).toBe(SpanKind.CLIENT);
      expect(span.attributes['db.statement']).toEqual(expect.any(String));
      expect(span.attributes['db.statement']).not.toContain(input.merchantOrderNo);
    }
    // The ORM's statements too (the token lookup, before the operation starts).
    expect(trace.parentOf(trace.one('select api_tokens'))).toBe(http);
    for (const span of trace.spans) if (span !== http) expect(trace.descendsFrom(span, http), span.name).toBe(true);

    // The access line of the request carries the trace.
    expect(t.logs.some((line) => line.includes('"msg":"request"') && line.includes(`"trace_id":"${traceId}"`))).toBe(true);
  });

  it('a callback is a trace of its own: a span for verify, store and apply, with its outcome and its SQL', async () => {
    const { body } = await post(t.gateway.url, token, CREATE, { input: collectionInput() });
    const order = body.data!.collectionCreate.order;
    await post(t.gateway.url, token, SETTLE, { id: order.id, outcome: 'SUCCEEDED' });

    const callback = await waitFor(() =>
      exporter.getFinishedSpans().find((span) => span.name === 'TarsPay callback' && span.attributes['tarspay.callback.outcome'] === 'APPLIED'),
    );
    const trace = await waitFor(() => {
      const spans = spansOf(callback.spanContext().traceId);
      return spans.named('POST /tarspay/notify').length ? spans : undefined;
    });
    const http = trace.root();
    expect(http.name).toBe('POST /tarspay/notify');
    expect(http.attributes['http.response.status_code']).toBe(200);
    expect(trace.parentOf(callback)).toBe(http);
    const sql = trace.sql();
    // The receipt is written by the statement that applies the report (one statement: change, event, receipt).
    expect(sql.map((span) => span.name)).toEqual(expect.arrayContaining(['begin', 'select orders', 'update orders', 'commit']));
    for (const span of sql) expect(trace.descendsFrom(span, callback), span.name).toBe(true);
  });

  it('a reconciliation pass that finds work is a trace of its own, with the inquiry to TarsPay', async () => {
    const { body } = await post(t.gateway.url, token, CREATE, { input: collectionInput() });
    await t.makeOrderDue(body.data!.collectionCreate.order.id);
    await t.gateway.reconciler.runOnce();

    const pass = await waitFor(() => exporter.getFinishedSpans().find((span) => span.name === 'reconcile pass'));
    const trace = spansOf(pass.spanContext().traceId);
    expect(trace.parentOf(pass)).toBeUndefined();
    expect(pass.attributes['reconcile.claimed']).toBeGreaterThan(0);
    expect(trace.parentOf(trace.one('TarsPay /api/payInInfo'))).toBe(pass);
    expect(trace.sql().length).toBeGreaterThan(0);
  });

  it('a webhook delivery is a trace of its own, with the endpoint, the attempt, the outcome and the answer’s status', async () => {
    const hooks = await startWebhookReceiver();
    try {
      const created = await post(t.gateway.url, token, ENDPOINT_CREATE, { input: { url: hooks.url, query: PAID_DOCUMENT } });
      const endpointId = created.body.data!.webhookEndpointCreate.endpoint.id as string;
      const { body } = await post(t.gateway.url, token, CREATE, { input: collectionInput() });
      await post(t.gateway.url, token, SETTLE, { id: body.data!.collectionCreate.order.id, outcome: 'SUCCEEDED' });

      const delivery = await waitFor(() => exporter.getFinishedSpans().find((span) => span.name === 'webhook delivery'));
      expect(hooks.received).toHaveLength(1);
      expect(spansOf(delivery.spanContext().traceId).parentOf(delivery)).toBeUndefined();
      expect(delivery.attributes).toMatchObject({
        'webhook.endpoint_id': decodeGlobalID(endpointId).id,
        'webhook.attempt': 1,
        'webhook.outcome': 'succeeded',
        'http.response.status_code': 200,
      });
      await post(t.gateway.url, token, `mutation ($id: ID!) { webhookEndpointDelete(id: $id) { userErrors { code } } }`, { id: endpointId });
    } finally {
      await hooks.close();
    }
  });

  it('a subscription over WebSocket is a span from subscribe to completion, in a trace of its own', async () => {
    const { body } = await post(t.gateway.url, token, CREATE, { input: collectionInput() });
    const order = body.data!.collectionCreate.order;
    const client = wsClient(t.gateway.url, token);
    const updates = collect(client, `subscription WatchOrder($id: ID!) { orderUpdated(id: $id) { id status } }`, { id: order.id });
    await waitFor(() => (updates.values.length === 1 ? true : undefined));
    expect(exporter.getFinishedSpans().filter((span) => span.name === 'subscription.WatchOrder')).toEqual([]); // open: not ended yet
    t.sandbox.settle(order.platformOrderId, { outcome: 'SUCCEEDED' });
    await updates.completed;
    await client.dispose();

    const subscription = await waitFor(() => exporter.getFinishedSpans().find((span) => span.name === 'subscription.WatchOrder'));
    const trace = spansOf(subscription.spanContext().traceId);
    expect(trace.parentOf(subscription)).toBeUndefined();
    expect(subscription.attributes).toMatchObject({ 'graphql.execute.operationName': 'WatchOrder', 'graphql.execute.operationType': 'subscription' });
  });

  it('no span holds a token, a private key, a signature, variables or customer data', async () => {
    // Errors whose messages would quote what was sent, data written inline in a document, a token in a query string.
    const phone = 81_234_567_890_123;
    const refused = await post(t.gateway.url, token, CREATE, {
      input: collectionInput({ customer: { name: 'Budi Santoso', email: 'budi@example.co.id', phone } }),
    });
    expect(refused.body.errors?.[0]?.message).toContain(String(phone)); // the protection is needed: GraphQL quotes the value
    const inline = `mutation CreateInline { collectionCreate(input: { amount: "150000", method: BANK_BCA, merchantOrderNo: "INLINE-${hex(4)}", subject: "Order", description: "One item", customer: { name: "Sari Inline", email: "sari.inline@example.co.id", phone: "081200000001" } }) { order { id } userErrors { code } } }`;
    const inlined = await post(t.gateway.url, token, inline);
    expect(inlined.body.errors, JSON.stringify(inlined.body.errors)).toBeUndefined();
    expect(inlined.body.data!.collectionCreate.userErrors).toEqual([]);
    await fetch(`${t.gateway.url}/healthz?token=${token}`);
    await post(t.gateway.url, `${token}x`, '{ balance { availableAmount } }');
    await waitFor(() => (exporter.getFinishedSpans().some((span) => span.name === 'mutation.CreateInline') ? true : undefined));

    const requestSignatures = proxy.headers.map((headers) => headers['x-api-signature']).filter((value): value is string => typeof value === 'string');
    const receipts = await t.gateway.orm.em.fork().getConnection().execute<Array<{ signature: string }>>('select signature from callback_receipts');
    const callbackSignatures = receipts.map((row) => row.signature);
    expect(requestSignatures.length).toBeGreaterThan(3);
    expect(callbackSignatures.length).toBeGreaterThan(0);

    // The token's hash is what the ORM's token lookup binds: statements keep their placeholders.
    const secrets = [
      hashToken(token),
      token,
      token.slice(4),
      t.privateKeyOf(merchant).revealHex(),
      merchant.privateKeyEncrypted,
      platformKey.revealHex(),
      t.keyEncryptionKey,
      ...requestSignatures,
      ...callbackSignatures,
    ];
    const customerData = ['Budi Santoso', 'budi@example.co.id', '081234567890', String(phone), 'Sari Inline', 'sari.inline@example.co.id', '081200000001'];
    const spans = exporter.getFinishedSpans();
    for (const span of spans) {
      const text = spanText(span);
      for (const secret of secrets) expect(text.includes(secret), `a secret of ${secret.length} characters in span "${span.name}"`).toBe(false);
      for (const value of customerData) expect(text.includes(value), `"${value}" in span "${span.name}"`).toBe(false);
      expect(
        Object.keys(span.attributes).filter((key) => /authorization|signature|cookie|variables|args|document/i.test(key)),
        span.name,
      ).toEqual([]);
    }
    // The haystack is real: it holds the operations, their failures, SQL and TarsPay calls.
    const everything = spans.map(spanText).join('\n');
    expect(everything).toContain('"exception.message":"GRAPHQL_ERROR"'); // the refused create's error, without its message
    expect(everything).toContain('/healthz');
    expect(spans.some((span) => span.name === 'TarsPay /api/pay/unifiedOrder')).toBe(true);
  });
});

describe('tracing configured by OTEL_* to an OTLP/HTTP collector', () => {
  it('exports the trace (protobuf, the collector headers, service name and resource attributes) and flushes at shutdown', async () => {
    const collector = await startCollector();
    const t = await startTestGateway({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-key=k%20123',
        OTEL_SERVICE_NAME: 'payments-gateway-test',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=ci',
      },
    });
    try {
      const merchant = await t.addMerchant('M-OTLP');
      const token = await t.token(merchant);
      const { body } = await post(t.gateway.url, token, CREATE, { input: collectionInput() });
      expect(body.data!.collectionCreate.userErrors).toEqual([]);
      await t.close();
      expect(collector.requests.length).toBeGreaterThan(0);
      const exported = Buffer.concat(collector.requests.map((request) => request.body)).toString('latin1');
      for (const request of collector.requests) {
        expect(request.path).toBe('/v1/traces');
        expect(request.headers['content-type']).toBe('application/x-protobuf');
        expect(request.headers['x-collector-key']).toBe('k 123');
      }
      for (const text of ['payments-gateway-test', 'deployment.environment', 'mutation.CreateCollection', 'TarsPay /api/pay/unifiedOrder', 'insert orders'])
        expect(exported).toContain(text);
      expect(exported).not.toContain(token);
    } finally {
      await t.close();
      await collector.close();
    }
  });

  it('a collector that cannot be reached is logged, and the gateway serves on', async () => {
    const t = await startTestGateway({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await closedPort()}`, OTEL_EXPORTER_OTLP_TIMEOUT: '2000' } });
    try {
      const merchant = await t.addMerchant('M-NO-COLLECTOR');
      const { body } = await post(t.gateway.url, await t.token(merchant), CREATE, { input: collectionInput() });
      expect(body.data!.collectionCreate.userErrors).toEqual([]);
      diag.error('export failed: probe'); // as the SDK reports a failed export while it runs
    } finally {
      await t.close(); // and does not throw: the spans are lost, and said so
    }
    const problems = t.logs.filter((line) => line.includes('"component":"opentelemetry"'));
    expect(problems.some((line) => line.includes('"level":50') && line.includes('tracing: export failed: probe'))).toBe(true);
    expect(problems.some((line) => line.includes('tracing: spans not flushed at shutdown') && line.includes('ECONNREFUSED'))).toBe(true);
  });
});

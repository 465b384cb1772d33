import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, collectionInput } from '../helpers/operations.js';
import { openRaw } from '../helpers/raw-ws.js';
import { waitFor } from '../helpers/wait.js';
import { persistedQuery, shippedHash, shippedText } from '../helpers/trusted-documents.js';

let t: TestGateway;
let merchant: Merchant;
/** A browser token: `token create --trusted-documents-only`. */
let restricted: string;
/** A server token: may send text. */
let unrestricted: string;
const clients: Client[] = [];

const METHODS = shippedHash('DemoPaymentMethods');
const CREATE = shippedHash('DemoCreateCollection');
const ORDER_UPDATED = shippedHash('DemoOrderUpdated');
const UNKNOWN = 'f'.repeat(64);
/** A merchant's own app's operation, in its own manifest (TRUSTED_DOCUMENTS_FILE). */
const OWN_TEXT = 'query ShopQrisMethods { paymentMethods(type: QRIS) { code } }';
const OWN = createHash('sha256').update(OWN_TEXT).digest('hex');
const OWN_EVENTS_TEXT = 'subscription ShopEvents { orderEvents { status } }';
const OWN_EVENTS = createHash('sha256').update(OWN_EVENTS_TEXT).digest('hex');
const scratch = mkdtempSync(join(tmpdir(), 'tpg-trusted-'));

beforeAll(async () => {
  const manifest = join(scratch, 'persisted-documents.json');
  writeFileSync(manifest, JSON.stringify({ [`sha256:${OWN}`]: OWN_TEXT, [`sha256:${OWN_EVENTS}`]: OWN_EVENTS_TEXT }));
  t = await startTestGateway({ env: { TRUSTED_DOCUMENTS_FILE: manifest } });
  merchant = await t.addMerchant('M-TRUSTED-1');
  restricted = await t.token(merchant, ['collections:write', 'orders:read'], { trustedDocumentsOnly: true });
  unrestricted = await t.token(merchant, ['collections:write', 'orders:read']);
});
afterAll(async () => {
  for (const client of clients) await client.dispose();
  await t?.close();
  rmSync(scratch, { recursive: true, force: true });
});

interface Answer {
  status: number;
  body: { data?: Record<string, any> | null; errors?: Array<{ message: string; extensions?: Record<string, any> }> };
}

async function post(token: string | null, body: Record<string, unknown>): Promise<Answer> {
  const response = await fetch(`${t.gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

async function get(token: string | null, params: Record<string, string>): Promise<Answer> {
  const response = await fetch(`${t.gateway.url}/graphql?${new URLSearchParams(params)}`, {
    headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

const codeOf = (answer: Answer) => answer.body.errors?.[0]?.extensions?.code;
const createCalls = () => t.upstreamCalls.filter((call) => call.endpoint === '/api/pay/unifiedOrder').length;

function connect(token: string): Client {
  const client = createClient({
    url: `${t.gateway.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  clients.push(client);
  return client;
}

/** Every result of one operation over graphql-ws, or the error it ended with. */
async function run(client: Client, payload: Record<string, unknown>): Promise<{ results: FormattedExecutionResult<Record<string, any>>[]; error?: any }> {
  const results: FormattedExecutionResult<Record<string, any>>[] = [];
  try {
    for await (const result of client.iterate(payload as { query: string })) results.push(result as FormattedExecutionResult<Record<string, any>>);
    return { results };
  } catch (error) {
    return { results, error };
  }
}

describe('trusted documents over HTTP', () => {
  it('refuse query text from a --trusted-documents-only token, saying to send the hash, and run nothing', async () => {
    const before = createCalls();
    const refused = await post(restricted, { query: COLLECTION_CREATE, variables: { input: collectionInput() } });
    expect(refused.status).toBe(403);
    expect(refused.body.data).toBeUndefined();
    expect(refused.body.errors).toHaveLength(1);
    expect(codeOf(refused)).toBe('TRUSTED_DOCUMENT_REQUIRED');
    expect(refused.body.errors![0]!.message).toMatch(/trusted documents only: send the operation's hash .*sha256Hash.*instead of its text/);
    expect(createCalls()).toBe(before);
    // The same text that a shipped document holds, still as text: refused too.
    expect(codeOf(await post(restricted, { query: shippedText('DemoPaymentMethods') }))).toBe('TRUSTED_DOCUMENT_REQUIRED');
  });

  it('run the same operations from the same token sent by hash (extensions.persistedQuery or documentId)', async () => {
    const methods = await post(restricted, persistedQuery(METHODS));
    expect(methods.status).toBe(200);
    expect(methods.body.errors).toBeUndefined();
    expect(methods.body.data!.paymentMethods).toContainEqual({ code: 'QRIS', name: expect.any(String), type: 'QRIS' });

    const input = collectionInput({ method: 'QRIS' });
    const created = await post(restricted, { documentId: `sha256:${CREATE}`, operationName: 'DemoCreateCollection', variables: { input } });
    expect(created.body.errors).toBeUndefined();
    expect(created.body.data!.collectionCreate.userErrors).toEqual([]);
    expect(created.body.data!.collectionCreate.order).toMatchObject({ status: 'CREATED', merchantOrderNo: input.merchantOrderNo });
  });

  it("run the merchant's own apps' operations from the manifest in TRUSTED_DOCUMENTS_FILE", async () => {
    const own = await post(restricted, { documentId: `sha256:${OWN}` });
    expect(own.body).toEqual({ data: { paymentMethods: [{ code: 'QRIS' }] } });
    expect((await post(restricted, persistedQuery(OWN))).body).toEqual(own.body);
  });

  it('refuse text sent beside a hash (an automatic-persisted-queries registration) from such a token', async () => {
    const answer = await post(restricted, { query: shippedText('DemoPaymentMethods'), ...persistedQuery(METHODS) });
    expect(codeOf(answer)).toBe('TRUSTED_DOCUMENT_REQUIRED');
  });

  it('refuse a request with neither text nor hash: TRUSTED_DOCUMENT_REQUIRED for such a token, BAD_REQUEST for others', async () => {
    expect(codeOf(await post(restricted, { variables: {} }))).toBe('TRUSTED_DOCUMENT_REQUIRED');
    const other = await post(unrestricted, { variables: {} });
    expect(other.status).toBe(400);
    expect(codeOf(other)).toBe('BAD_REQUEST');
    expect(other.body.errors![0]!.message).toMatch(/Must provide a query string, or send the operation's hash/);
  });

  it('answer an unknown hash with PERSISTED_QUERY_NOT_FOUND, whoever asks', async () => {
    for (const token of [restricted, unrestricted, null]) {
      const answer = await post(token, persistedQuery(UNKNOWN));
      expect(answer.body.data).toBeUndefined();
      expect(codeOf(answer)).toBe('PERSISTED_QUERY_NOT_FOUND');
      expect(answer.body.errors![0]!.message).toMatch(/^PersistedQueryNotFound: no trusted document .* Send a hash from the manifest/);
    }
    expect(codeOf(await post(restricted, { documentId: `sha256:${UNKNOWN}` }))).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('apply over GET too: hash in the extensions or documentId parameter runs, text is refused, a mutation is still not run', async () => {
    const byExtensions = await get(restricted, { extensions: JSON.stringify(persistedQuery(METHODS).extensions) });
    expect(byExtensions.body.errors).toBeUndefined();
    expect(byExtensions.body.data!.paymentMethods.length).toBeGreaterThan(0);
    const byDocumentId = await get(restricted, { documentId: `sha256:${METHODS}` });
    expect(byDocumentId.body.data!.paymentMethods.length).toBeGreaterThan(0);
    expect(codeOf(await get(restricted, { query: shippedText('DemoPaymentMethods') }))).toBe('TRUSTED_DOCUMENT_REQUIRED');
    expect(codeOf(await get(restricted, { documentId: `sha256:${UNKNOWN}` }))).toBe('PERSISTED_QUERY_NOT_FOUND');

    const before = createCalls();
    const mutation = await get(restricted, { documentId: `sha256:${CREATE}`, variables: JSON.stringify({ input: collectionInput() }) });
    expect(mutation.status).toBe(405);
    expect(createCalls()).toBe(before);
  });

  it('let other tokens send text or hashes, as before', async () => {
    const text = await post(unrestricted, { query: '{ paymentMethods(type: QRIS) { code } }' });
    expect(text.body).toEqual({ data: { paymentMethods: [{ code: 'QRIS' }] } });
    const hash = await post(unrestricted, persistedQuery(METHODS));
    expect(hash.body.data!.paymentMethods.length).toBeGreaterThan(0);
  });

  it('leave anonymous requests as they were: text and hashes reach the fields, which answer UNAUTHENTICATED', async () => {
    for (const body of [{ query: '{ paymentMethods { code } }' }, persistedQuery(METHODS)]) {
      const answer = await post(null, body);
      expect(answer.body.data ?? null).toBeNull();
      expect(codeOf(answer)).toBe('UNAUTHENTICATED');
      expect(answer.body.errors![0]!.message).not.toMatch(/trusted/i);
    }
  });

  it('keep a bad token at UNAUTHENTICATED (401), whatever it sends', async () => {
    const bad = `tpg_${'A'.repeat(43)}`;
    for (const body of [persistedQuery(UNKNOWN), persistedQuery(METHODS), { query: '{ __typename }' }, {}]) {
      const answer = await post(bad, body);
      expect(answer.status).toBe(401);
      expect(answer.body.errors!.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    }
  });
});

describe('trusted documents over WebSocket (graphql-ws)', () => {
  it('refuse a subscribe message with text from a --trusted-documents-only token, and keep the connection', async () => {
    const client = connect(restricted);
    const refused = await run(client, { query: shippedText('DemoPaymentMethods') });
    expect(refused.results).toEqual([]);
    expect(refused.error).toHaveLength(1);
    expect(refused.error[0]).toMatchObject({
      message: expect.stringMatching(/trusted documents only: send the operation's hash/),
      extensions: { code: 'TRUSTED_DOCUMENT_REQUIRED' },
    });
    const answered = await run(client, { query: '', ...persistedQuery(METHODS) });
    expect(answered.error).toBeUndefined();
    expect(answered.results[0]!.data!.paymentMethods.length).toBeGreaterThan(0);
  });

  it('follow an order by the subscription hash: the current state, then the payment', async () => {
    const created = await post(restricted, { ...persistedQuery(CREATE), variables: { input: collectionInput({ method: 'QRIS' }) } });
    const orderId = created.body.data!.collectionCreate.order.id as string;
    const client = connect(restricted);
    const statuses: string[] = [];
    const done = new Promise<unknown>((resolve) => {
      client.subscribe(
        { query: '', variables: { id: orderId }, ...persistedQuery(ORDER_UPDATED) },
        {
          next: (result) => {
            if (result.errors) return resolve(result.errors);
            statuses.push((result.data as { orderUpdated: { status: string } }).orderUpdated.status);
            if (statuses.length === 1)
              void t.graphql(unrestricted, `mutation ($id: ID!) { sandboxOrderSettle(id: $id, outcome: SUCCEEDED) { userErrors { code } } }`, { id: orderId });
          },
          error: resolve,
          complete: () => resolve(null),
        },
      );
    });
    expect(await done).toBeNull();
    expect(statuses).toEqual(['CREATED', 'SUCCEEDED']);
  });

  it('answer an unknown hash, or an empty query without a hash, with a clear error', async () => {
    const connection = await openRaw(t.gateway.url, { authorization: `Bearer ${restricted}` });
    await connection.until((message) => message.type === 'connection_ack');
    connection.send({ id: 'unknown', type: 'subscribe', payload: { query: '', ...persistedQuery(UNKNOWN) } });
    connection.send({ id: 'document-id', type: 'subscribe', payload: { query: '', documentId: `sha256:${METHODS}` } });
    connection.send({ id: 'nothing', type: 'subscribe', payload: { query: '' } });
    await connection.until((message) => message.id === 'unknown' && message.type === 'error');
    await connection.until((message) => message.id === 'document-id' && message.type === 'complete');
    await connection.until((message) => message.id === 'nothing' && message.type === 'error');
    const byId = (id: string, type: string) => connection.messages.find((message) => message.id === id && message.type === type);
    expect(byId('unknown', 'error')!.payload).toEqual([expect.objectContaining({ extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } })]);
    expect(byId('document-id', 'next')!.payload.data.paymentMethods.length).toBeGreaterThan(0);
    expect(byId('nothing', 'error')!.payload[0].extensions.code).toBe('TRUSTED_DOCUMENT_REQUIRED');
    connection.socket.close();
  });

  it('share one execution only between subscriptions of the same document: two hashes with equal variables stay apart', async () => {
    const streams = [shippedHash('OrderEvents'), OWN_EVENTS].map((hash) => {
      const events: Array<Record<string, unknown>> = [];
      // No operationName: the two subscribe messages differ by their hash only.
      connect(restricted).subscribe(
        { query: '', variables: {}, ...persistedQuery(hash) },
        { next: (result) => void events.push(result.data!.orderEvents as Record<string, unknown>), error: () => {}, complete: () => {} },
      );
      return events;
    });
    // graphql-ws does not say when a subscription is listening: create orders until both have heard one.
    await waitFor(async () => {
      await post(restricted, { ...persistedQuery(CREATE), variables: { input: collectionInput() } });
      return streams.every((events) => events.length > 0) ? true : undefined;
    });
    expect(Object.keys(streams[0]![0]!)).toEqual(expect.arrayContaining(['cursor', 'status', 'order']));
    expect(Object.keys(streams[1]![0]!)).toEqual(['status']);
  });

  it('let other tokens send text or hashes', async () => {
    const client = connect(unrestricted);
    expect((await run(client, { query: '{ paymentMethods(type: QRIS) { code } }' })).results).toEqual([{ data: { paymentMethods: [{ code: 'QRIS' }] } }]);
    expect((await run(client, { query: '', ...persistedQuery(METHODS) })).results[0]!.data!.paymentMethods.length).toBeGreaterThan(0);
    const empty = await run(client, { query: '' });
    expect(empty.error[0].extensions.code).toBe('BAD_REQUEST');
  });
});

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, collectionInput, SETTLE } from '../helpers/operations.js';
import { persistedQuery, shippedHash } from '../helpers/trusted-documents.js';
import { composeSupergraph, startRouter, startTicketsSubgraph, type Router, type Subgraph, type Ticket } from '../helpers/supergraph.js';

/**
 * The gateway as a subgraph of a supergraph, end to end: composed with a tickets subgraph and
 * queried through Hive Gateway, which forwards the caller's token. Everything the gateway enforces
 * directly holds through the router.
 */

let t: TestGateway;
let tickets: Subgraph;
let router: Router;
let merchantA: Merchant;
let merchantB: Merchant;
let tokenA: string;
let orderA: string;
let orderB: string;
const ticketRows: Ticket[] = [];
const ROUTER_HMAC_SECRET = randomBytes(32).toString('hex');

async function createOrder(token: string): Promise<string> {
  const created = await t.graphql(token, COLLECTION_CREATE, { input: collectionInput() });
  return created.data!.collectionCreate.order.id as string;
}

async function post<T>(url: string, token: string | null, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify(body),
  });
  return (await response.json()) as GraphQLResponse<T>;
}

function throughRouter<T = Record<string, any>>(token: string | null, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> {
  return post<T>(router.url, token, { query, variables });
}

/** A subscription through the router over server-sent events, as GraphQL over SSE's "distinct connections" mode sends it. */
async function* subscribeThroughRouter(
  token: string,
  query: string,
  variables: Record<string, unknown>,
  signal: AbortSignal,
): AsyncGenerator<GraphQLResponse<any>> {
  const response = await fetch(router.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
    signal,
  });
  let buffer = '';
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    buffer += chunk.value;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice('data:'.length).trim())
        .join('\n');
      if (data) yield JSON.parse(data) as GraphQLResponse<any>;
    }
  }
}

const codes = (response: GraphQLResponse<unknown>) => (response.errors ?? []).map((error) => error.extensions?.code);

beforeAll(async () => {
  t = await startTestGateway({ env: { ROUTER_HMAC_SECRET, RATE_LIMIT_TOKEN_BURST: '20', RATE_LIMIT_TOKEN_PER_SECOND: '0.001' } });
  merchantA = await t.addMerchant('M-FED-A');
  merchantB = await t.addMerchant('M-FED-B');
  tokenA = await t.token(merchantA);
  orderA = await createOrder(tokenA);
  orderB = await createOrder(await t.token(merchantB));
  ticketRows.push({ id: 'T-1', subject: 'Paid twice?', orderId: orderA }, { id: 'T-2', subject: "Another merchant's order", orderId: orderB });
  tickets = await startTicketsSubgraph(ticketRows);
  const sdl = (await t.graphql(null, '{ _service { sdl } }')).data!._service.sdl as string;
  router = await startRouter(composeSupergraph([{ name: 'tarspay', url: `${t.gateway.url}/graphql`, sdl }, tickets]), ROUTER_HMAC_SECRET);
}, 60_000);

afterAll(async () => {
  await router?.close();
  await tickets?.close();
  await t?.close();
});

describe('the gateway as a federation subgraph', () => {
  it('publishes the SDL that schema/schema.graphql holds, and it composes with another subgraph', async () => {
    const sdl = (await t.graphql(null, '{ _service { sdl } }')).data!._service.sdl as string;
    expect(`${sdl}\n`).toBe(readFileSync('schema/schema.graphql', 'utf8'));
    expect(sdl).toContain('type Order implements Node\n  @key(fields: "id")');
    const supergraph = composeSupergraph([{ name: 'tarspay', url: 'http://tarspay.invalid/graphql', sdl }, tickets]);
    expect(supergraph).toContain('@join__type(graph: TARSPAY, key: "id")');
  });
});

describe('queries through Hive Gateway', () => {
  it('resolves orders that another subgraph refers to through _entities, with the caller token', async () => {
    const response = await throughRouter(tokenA, '{ tickets { id subject order { id status amount } } }');
    expect(response.data!.tickets).toEqual([
      { id: 'T-1', subject: 'Paid twice?', order: { id: orderA, status: 'CREATED', amount: '150000' } },
      // Merchant B's order: the gateway's _entities answers null for merchant A's token, so the
      // router has only the id the tickets subgraph gave: Order.status is null, and so is order.
      { id: 'T-2', subject: "Another merchant's order", order: null },
    ]);
    expect(response.errors!.map((error) => error.path)).toEqual([['tickets', 1, 'order', 'status']]);
  });

  it("extends the gateway's orders with another subgraph's fields", async () => {
    const response = await throughRouter(tokenA, 'query ($id: ID!) { order(id: $id) { status tickets { id } } }', { id: orderA });
    expect(response).toEqual({ data: { order: { status: 'CREATED', tickets: [{ id: 'T-1' }] } } });
    const other = await throughRouter(tokenA, 'query ($id: ID!) { order(id: $id) { status tickets { id } } }', { id: orderB });
    expect(other).toEqual({ data: { order: null } });
  });

  it('refuses a token without orders:read, and no token at all, as the gateway does directly', async () => {
    const writeOnly = await t.token(merchantA, ['collections:write']);
    const viaTickets = await throughRouter(writeOnly, '{ tickets { order { status } } }');
    expect(codes(viaTickets)).toContain('FORBIDDEN');
    expect(JSON.stringify(viaTickets.data)).not.toContain('CREATED');
    const direct = await throughRouter(writeOnly, 'query ($id: ID!) { order(id: $id) { status } }', { id: orderA });
    expect(codes(direct)).toEqual(['FORBIDDEN']);
    const anonymous = await throughRouter(null, '{ tickets { order { status } } }');
    expect(codes(anonymous)).toContain('UNAUTHENTICATED');
  });
});

describe('trusted documents through Hive Gateway', () => {
  const GET_ORDER = shippedHash('GetOrder');

  it('a trusted-documents-only token runs a trusted document named by hash, the router planning it and signing the hash', async () => {
    const trustedOnly = await t.token(merchantA, undefined, { trustedDocumentsOnly: true });
    const routed = await post<any>(router.url, trustedOnly, { variables: { id: orderA }, ...persistedQuery(GET_ORDER) });
    expect(routed.errors).toBeUndefined();
    expect(routed.data!.order).toMatchObject({ id: orderA, status: 'CREATED', amount: '150000' });
    const direct = await post<any>(`${t.gateway.url}/graphql`, trustedOnly, { variables: { id: orderA }, ...persistedQuery(GET_ORDER) });
    expect(routed.data).toEqual(direct.data);
  });

  it('refuses operation text from a trusted-documents-only token, and a document outside a token’s --operations, as directly', async () => {
    const trustedOnly = await t.token(merchantA, undefined, { trustedDocumentsOnly: true });
    expect(codes(await throughRouter(trustedOnly, 'query ($id: ID!) { order(id: $id) { status } }', { id: orderA }))).toEqual(['TRUSTED_DOCUMENT_REQUIRED']);
    const getOrderOnly = await t.token(merchantA, undefined, { operations: ['GetOrder'] });
    expect(codes(await post(router.url, getOrderOnly, persistedQuery(shippedHash('LatestEventCursor'))))).toEqual(['FORBIDDEN']);
    const allowed = await post<any>(router.url, getOrderOnly, { variables: { id: orderA }, ...persistedQuery(GET_ORDER) });
    expect(allowed.data!.order.id).toBe(orderA);
  });

  it('trusts the router’s word only when signed with ROUTER_HMAC_SECRET', async () => {
    const trustedOnly = await t.token(merchantA, undefined, { trustedDocumentsOnly: true });
    const text = { query: 'query ($id: ID!) { order(id: $id) { status } }', variables: { id: orderA } };
    const named = { 'x-trusted-document': GET_ORDER };
    // Unsigned: a client calling the gateway directly, whatever header it adds.
    expect(codes(await post(`${t.gateway.url}/graphql`, trustedOnly, text, named))).toEqual(['TRUSTED_DOCUMENT_REQUIRED']);
    const forged = { ...text, extensions: { 'hmac-signature': randomBytes(32).toString('base64') } };
    const refused = await post(`${t.gateway.url}/graphql`, trustedOnly, forged, named);
    expect(codes(refused)).toEqual(['FORBIDDEN']);
    expect(refused.errors![0]!.message).toContain('ROUTER_HMAC_SECRET');
  });
});

describe('limits through Hive Gateway', () => {
  it("charges the token's rate limit for each operation the router sends, and refuses past it as directly", async () => {
    // RATE_LIMIT_TOKEN_BURST is 20 here and refills ~never: each routed query sends one _entities operation (cost 1).
    const token = await t.token(merchantA);
    for (let i = 0; i < 20; i++) expect((await throughRouter(token, '{ tickets { order { status } } }')).data!.tickets[0].order.status).toBe('CREATED');
    const limited = await throughRouter(token, '{ tickets { order { status } } }');
    expect(codes(limited)).toContain('RATE_LIMITED');
    expect(limited.errors![0]!.extensions!.retryAfterSeconds).toBeGreaterThan(0);
    expect(JSON.stringify(limited.data)).not.toContain('CREATED');
    expect(codes(await t.graphql(token, 'query ($id: ID!) { order(id: $id) { status } }', { id: orderA }))).toEqual(['RATE_LIMITED']);
  });
});

describe('subscriptions through Hive Gateway', () => {
  it('follows orderUpdated: the router subscribes to the gateway over graphql-ws with the caller token, and joins the tickets', async () => {
    const token = await t.token(merchantA);
    const order = await createOrder(token);
    ticketRows.push({ id: 'T-3', subject: 'Where is my VA?', orderId: order });
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 30_000);
    const seen: Array<{ status: string; tickets: Array<{ id: string }> }> = [];
    try {
      const query = 'subscription ($id: ID!) { orderUpdated(id: $id) { id status tickets { id } } }';
      for await (const event of subscribeThroughRouter(token, query, { id: order }, abort.signal)) {
        expect(event.errors).toBeUndefined();
        seen.push(event.data!.orderUpdated);
        // The first event is the order as it is: only then settle it, so the change cannot be missed.
        if (seen.length === 1) expect((await t.graphql(token, SETTLE, { id: order, outcome: 'SUCCEEDED' })).data!.sandboxOrderSettle.userErrors).toEqual([]);
      }
    } finally {
      clearTimeout(timer);
      abort.abort();
    }
    // orderUpdated completes once the order is settled, and the router ends the stream with it.
    expect(seen.map((event) => event.status)).toEqual(['CREATED', 'SUCCEEDED']);
    expect(seen.every((event) => event.tickets[0]?.id === 'T-3')).toBe(true);
  });

  it("does not follow another merchant's order", async () => {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 30_000);
    const events: GraphQLResponse<any>[] = [];
    try {
      for await (const event of subscribeThroughRouter(tokenA, 'subscription ($id: ID!) { orderUpdated(id: $id) { status } }', { id: orderB }, abort.signal))
        events.push(event);
    } finally {
      clearTimeout(timer);
    }
    // Directly the gateway answers NOT_FOUND; the router ends the stream with an error of its own
    // (masked): no event, no data.
    expect(events).toHaveLength(1);
    expect(events[0]!.data ?? null).toBeNull();
    expect(events[0]!.errors).toHaveLength(1);
  });
});

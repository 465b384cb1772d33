import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, collectionInput } from '../helpers/operations.js';

let t: TestGateway;
let production: TestGateway;
let merchant: Merchant;
let token: string;

beforeAll(async () => {
  t = await startTestGateway({ env: { RATE_LIMIT_TOKEN_BURST: '3', RATE_LIMIT_TOKEN_PER_SECOND: '0.2' } });
  merchant = await t.addMerchant('M-HOSTILE');
  token = await t.token(merchant);
  production = await startTestGateway({ env: { NODE_ENV: 'production' } });
});
afterAll(async () => {
  await t.close();
  await production.close();
});

async function post(base: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body,
  });
  return { status: response.status, text: await response.text() };
}

describe('query limits', () => {
  it('refuses queries that are too deep', async () => {
    const deep = `{ orders(first: 1) { edges { node { events { order { events { order { events { order { events { order { id } } } } } } } } } } } }`;
    const result = await t.graphql(token, deep);
    expect(result.errors?.[0]?.message).toMatch(/depth/i);
    expect(result.data ?? null).toBeNull();
  });

  it('refuses too many aliases', async () => {
    const aliases = Array.from({ length: 40 }, (_, i) => `m${i}: paymentMethods { code }`).join(' ');
    const result = await t.graphql(token, `{ ${aliases} }`);
    expect(result.errors?.[0]?.message).toMatch(/aliases/i);
  });

  it('refuses documents with too many tokens', async () => {
    const fields = Array.from({ length: 1500 }, () => 'code').join(' ');
    const result = await t.graphql(token, `{ paymentMethods { ${fields} } }`);
    expect(result.errors?.length).toBeGreaterThan(0);
    expect(JSON.stringify(result.errors)).toMatch(/token limit|Validation aborted/i);
    expect(result.data ?? null).toBeNull();
  });

  it('refuses bodies over 1 MiB with 413 before parsing them', async () => {
    const huge = JSON.stringify({ query: '{ paymentMethods { code } }', variables: { pad: 'x'.repeat(1024 * 1024) } });
    expect((await post(t.gateway.url, huge)).status).toBe(413);
    const response = await fetch(`${t.gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 20; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(64 * 1024)));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
  });

  it('limits operations per token by cost, with a clear error', async () => {
    const limited = await t.token(merchant, ['collections:write']);
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await t.graphql(limited, COLLECTION_CREATE, { input: collectionInput() }));
    const codes = results.map((result) => result.errors?.[0]?.extensions?.code ?? 'OK');
    expect(codes.slice(0, 3)).toEqual(['OK', 'OK', 'OK']);
    expect(codes.slice(3)).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);
    expect(results[3]!.errors![0]!.message).toMatch(/Retry in \d+ s/);
    // Queries cost too; another token has its own budget.
    expect((await t.graphql(limited, '{ paymentMethods { code } }')).errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect((await t.graphql(await t.token(merchant), '{ paymentMethods { code } }')).errors).toBeUndefined();
  });
});

describe('production defaults', () => {
  it('turns off introspection, GraphiQL and field suggestions', async () => {
    const m = await production.addMerchant('M-PROD');
    const prodToken = await production.token(m);
    const introspection = await production.graphql(prodToken, '{ __schema { types { name } } }');
    expect(introspection.errors?.[0]?.message).toMatch(/introspection/i);
    const typo = await production.graphql(prodToken, '{ paymentMethod { code } }');
    expect(typo.errors?.[0]?.message).not.toMatch(/Did you mean/);
    const page = await fetch(`${production.gateway.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toMatch(/graphiql/i);
    const devTypo = await t.graphql(token, '{ paymentMethod { code } }');
    expect(devTypo.errors?.[0]?.message).toMatch(/Did you mean/);
  });

  it('masks unexpected errors: no internals reach the client', async () => {
    const m = await production.addMerchant('M-PROD-2');
    const prodToken = await production.token(m);
    // The sandbox is stopped under the gateway's feet: the HTTP client fails in an unplanned way.
    const result = await production.graphql(prodToken, COLLECTION_CREATE, { input: collectionInput() });
    expect(result.data!.collectionCreate.order.status).toBe('CREATED');
    await production.sandbox.close();
    const settle = await production.graphql(prodToken, 'mutation ($id: ID!) { sandboxOrderSettle(id: $id, outcome: SUCCEEDED) { order { status } } }', {
      id: result.data!.collectionCreate.order.id,
    });
    expect(settle.errors?.[0]?.message).toBe('Unexpected error.');
    expect(JSON.stringify(settle)).not.toMatch(/ECONNREFUSED|fetch failed|\.ts:\d+|stack/);
    // A known upstream outage is not masked: it says what is wrong, and nothing more.
    const balance = await production.graphql(prodToken, '{ balance { availableAmount } }');
    expect(balance.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
  });
});

describe('fuzzed callbacks', () => {
  it('never crash the server and never change an order', async () => {
    const created = await t.graphql(await t.token(merchant), COLLECTION_CREATE, { input: collectionInput() });
    const order = created.data!.collectionCreate.order;
    const events = async () => (await t.gateway.orm.em.fork().getConnection().execute('select count(*)::int as n from order_events'))[0]!.n as number;
    const before = await events();
    const field = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constant(order.platformOrderId), fc.constant(merchant.mchNo), fc.constant(2));
    const body = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc
        .dictionary(fc.constantFrom('mchNo', 'payOrderId', 'mchOrderNo', 'state', 'payAmount', 'orderAmount', 'fee', 'bizType', 'x'), field)
        .map((value) => JSON.stringify(value)),
      fc.jsonValue().map((value) => JSON.stringify(value)),
    );
    const signature = fc.oneof(
      fc.constant(undefined),
      fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), maxLength: 150 }),
      fc.string({ maxLength: 40 }),
    );
    await fc.assert(
      fc.asyncProperty(body, signature, fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'), async (text, sig, type) => {
        const headers: Record<string, string> = { 'content-type': type };
        if (sig !== undefined && /^[\t\x20-\x7e]*$/.test(sig)) headers['x-resp-signature'] = sig;
        const response = await fetch(`${t.gateway.url}/tarspay/notify`, { method: 'POST', headers, body: text });
        await response.text();
        return [400, 401].includes(response.status);
      }),
      { numRuns: 150 },
    );
    expect((await fetch(`${t.gateway.url}/healthz`)).status).toBe(200);
    expect(await events()).toBe(before);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../helpers/gateway.js';
import { collectionInput } from '../helpers/operations.js';

/** Query._entities, as a router calls it: Order by its key, for the caller's merchant only. */

const ENTITIES = 'query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Order { id status amount } } }';
const CREATE = `mutation ($input: CollectionCreateInput!) { collectionCreate(input: $input) { order { id } clientSecret userErrors { code } } }`;

let t: TestGateway;
let merchantA: Merchant;
let tokenA: string;
let orderA: { id: string; clientSecret: string };
let otherOfA: { id: string; clientSecret: string };
let orderB: { id: string; clientSecret: string };

async function createCollection(token: string): Promise<{ id: string; clientSecret: string }> {
  const payload = (await t.graphql(token, CREATE, { input: collectionInput() })).data!.collectionCreate;
  return { id: payload.order.id, clientSecret: payload.clientSecret };
}

const entities = (bearer: string | null, ...ids: string[]) =>
  t.graphql<{ _entities: Array<{ id: string; status: string } | null> }>(bearer, ENTITIES, {
    representations: ids.map((id) => ({ __typename: 'Order', id })),
  });
const codes = (response: GraphQLResponse<unknown>) => (response.errors ?? []).map((error) => error.extensions?.code);

beforeAll(async () => {
  t = await startTestGateway();
  merchantA = await t.addMerchant('M-ENT-A');
  tokenA = await t.token(merchantA);
  orderA = await createCollection(tokenA);
  otherOfA = await createCollection(tokenA);
  orderB = await createCollection(await t.token(await t.addMerchant('M-ENT-B')));
}, 60_000);
afterAll(() => t.close());

describe('Query._entities', () => {
  it("resolves the caller's orders by key and answers null for another merchant's, or for an id that is no order", async () => {
    const response = await entities(tokenA, orderA.id, orderB.id, 'not-a-global-id', otherOfA.id);
    expect(response.errors).toBeUndefined();
    expect(response.data!._entities).toEqual([
      { id: orderA.id, status: 'CREATED', amount: '150000' },
      null,
      null,
      { id: otherOfA.id, status: 'CREATED', amount: '150000' },
    ]);
  });

  it('needs orders:read, as order(id) does, and a token', async () => {
    const writeOnly = await entities(await t.token(merchantA, ['collections:write']), orderA.id);
    expect(writeOnly.data!._entities).toEqual([null]);
    expect(codes(writeOnly)).toEqual(['FORBIDDEN']);
    expect(writeOnly.errors![0]!.message).toContain('Query._entities');
    const anonymous = await entities(null, orderA.id);
    expect(anonymous.data!._entities).toEqual([null]);
    expect(codes(anonymous)).toEqual(['UNAUTHENTICATED']);
  });

  it('takes at most GRAPHQL_MAX_LIST_ITEMS (50) representations at once, as any list input', async () => {
    expect((await entities(tokenA, ...Array.from({ length: 50 }, () => orderA.id))).data!._entities).toHaveLength(50);
    const tooMany = await entities(tokenA, ...Array.from({ length: 51 }, () => orderA.id));
    expect(tooMany.data ?? null).toBeNull();
    expect(codes(tooMany)).toEqual(['BAD_USER_INPUT']);
  });

  it('is refused to a client secret, a browser credential for one order', async () => {
    const response = await entities(orderA.clientSecret, orderA.id);
    expect(response.data ?? null).toBeNull();
    expect(codes(response)).toEqual(['FORBIDDEN']);
  });
});

describe('Query._service', () => {
  it('answers the SDL while introspection is on, and is refused with it off', async () => {
    expect((await t.graphql(null, '{ _service { sdl } }')).data!._service.sdl).toContain('@key(fields: "id")');
    const closed = await t.startPeer({ INTROSPECTION: 'false' });
    const response = await fetch(`${closed.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: '{ _service { sdl } }' }),
    });
    const body = (await response.json()) as GraphQLResponse<unknown>;
    expect(body.data).toBeUndefined();
    expect(body.errors![0]!.message).toContain('Query._service is off');
  });
});

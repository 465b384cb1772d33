import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../helpers/gateway.js';
import { collect, wsClient } from '../helpers/ws-client.js';

let production: TestGateway;
let development: TestGateway;
let productionToken: string;
let developmentToken: string;

beforeAll(async () => {
  [production, development] = await Promise.all([
    startTestGateway({ env: { NODE_ENV: 'production' } }),
    startTestGateway({ env: { NODE_ENV: 'development' } }),
  ]);
  productionToken = await production.token(await production.addMerchant('M-PROD-ERRORS'));
  developmentToken = await development.token(await development.addMerchant('M-DEV-ERRORS'));
});
afterAll(async () => {
  await production?.close();
  await development?.close();
});

const EDGES = '{ edges { cursor } }';

/** Misspellings whose errors graphql-js would end with a hint built from the schema. */
const MISSPELLINGS: Array<[kind: string, query: string, variables?: Record<string, unknown>]> = [
  ['a field', '{ paymentMethod { code } }'],
  ['an argument', `{ orders(frist: 1) ${EDGES} }`],
  ['an enum value in the document', `{ orders(filter: { status: [SUCCEDED] }) ${EDGES} }`],
  ['an input field in the document', `{ orders(filter: { statu: [SUCCEEDED] }) ${EDGES} }`],
  ['a type in a variable definition', `query ($f: OrderFiltr) { orders(filter: $f) ${EDGES} }`],
  ['a type in a fragment', '{ ... on Querry { __typename } }'],
  ['an enum value in variables', `query ($s: [OrderStatus!]) { orders(filter: { status: $s }) ${EDGES} }`, { s: ['SUCCEDED'] }],
  ['an input field in variables', `query ($f: OrderFilter) { orders(filter: $f) ${EDGES} }`, { f: { statu: ['SUCCEEDED'] } }],
];

const SUBSCRIPTION_MISSPELLINGS: Array<[kind: string, query: string, variables?: Record<string, unknown>]> = [
  ['a subscription field', 'subscription { orderEvent { status } }'],
  ['an enum value in subscription variables', 'subscription ($f: OrderEventFilter) { orderEvents(filter: $f) { status } }', { f: { status: ['SUCCEDED'] } }],
];

const messages = (response: GraphQLResponse<unknown>) => (response.errors ?? []).map((error) => error.message);

async function overWebSocket(gateway: TestGateway, token: string, query: string, variables?: Record<string, unknown>): Promise<string[]> {
  const client = wsClient(gateway.gateway.url, token);
  const stream = collect(client, query, variables);
  await stream.completed;
  await client.dispose();
  return JSON.parse(JSON.stringify(stream.errors)).flatMap((error: { message?: string } | Array<{ message: string }>) =>
    Array.isArray(error) ? error.map((inner) => inner.message) : [error.message ?? ''],
  );
}

describe('production hides the schema: no "Did you mean" anywhere', () => {
  it.each(MISSPELLINGS)('over HTTP: %s', async (_kind, query, variables) => {
    const response = await production.graphql(productionToken, query, variables);
    expect(messages(response).length).toBeGreaterThan(0);
    for (const message of messages(response)) expect(message).not.toMatch(/Did you mean|Suggestion/i);
    // Development keeps the hints: the same mistake does carry one there.
    expect(messages(await development.graphql(developmentToken, query, variables)).join(' ')).toMatch(/Did you mean/);
  });

  it.each([...MISSPELLINGS, ...SUBSCRIPTION_MISSPELLINGS])('over WebSocket: %s', async (_kind, query, variables) => {
    const hidden = await overWebSocket(production, productionToken, query, variables);
    expect(hidden.length).toBeGreaterThan(0);
    for (const message of hidden) expect(message).not.toMatch(/Did you mean|Suggestion/i);
    expect((await overWebSocket(development, developmentToken, query, variables)).join(' ')).toMatch(/Did you mean/);
  });

  it('the messages still say what was wrong', async () => {
    const [field] = messages(await production.graphql(productionToken, '{ paymentMethod { code } }'));
    expect(field).toBe('Cannot query field "paymentMethod" on type "Query".');
    const [variable] = messages(await production.graphql(productionToken, MISSPELLINGS[6]![1], MISSPELLINGS[6]![2]));
    expect(variable).toMatch(/^Variable "\$s" got invalid value "SUCCEDED" at "s\[0\]"; Value "SUCCEDED" does not exist in "OrderStatus" enum\.$/);
  });

  it('introspection is refused, and a bad token is refused before anything else', async () => {
    const introspection = await production.graphql(productionToken, '{ __schema { types { name } } }');
    expect(messages(introspection).join(' ')).toMatch(/introspection/i);
    const badToken = await production.graphql('garbage', '{ __schema { types { name } } }');
    expect(badToken.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });
});

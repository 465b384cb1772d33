import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, PAYOUT_CREATE, SETTLE, collectionInput, payoutInput } from '../helpers/operations.js';
import { collect, wsClient } from '../helpers/ws-client.js';

/**
 * Text PostgreSQL or TarsPay cannot carry (NUL, lone surrogates) and control characters where they
 * do not belong: a VALIDATION error naming the field, nothing stored, nothing sent to TarsPay, and
 * (in development, where errors are not masked) no SQL or customer data in any answer.
 */

let t: TestGateway;
let merchant: Merchant;
let token: string;

beforeAll(async () => {
  t = await startTestGateway({ env: { NODE_ENV: 'development' } });
  merchant = await t.addMerchant('M-TEXT');
  token = await t.token(merchant);
});
afterAll(() => t.close());

async function orderCount(): Promise<number> {
  const rows = await t.gateway.orm.em.fork().getConnection().execute('select count(*)::int as n from orders where merchant_id = ?', [merchant.id]);
  return rows[0]!.n as number;
}

/** The input with the string at `path` (under `input`) replaced. */
function withText(input: Record<string, unknown>, path: string[], text: string): Record<string, unknown> {
  const copy = structuredClone(input);
  let holder = copy;
  for (const key of path.slice(0, -1)) holder = (holder[key] ??= {}) as Record<string, unknown>;
  holder[path.at(-1)!] = text;
  return copy;
}

function valueAt(input: Record<string, unknown>, path: string[]): string | undefined {
  return path.reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], input) as string | undefined;
}

/** Nothing the database or the customer said may reach the client. */
function expectNoLeak(result: unknown, input: Record<string, unknown>): void {
  const text = JSON.stringify(result);
  expect(text).not.toMatch(/insert into|select |update "|from "|violates|invalid byte sequence|\.ts:\d+/i);
  const customer = (input.customer ?? {}) as Record<string, string>;
  for (const secret of [customer.email, customer.phone, customer.name].filter(Boolean)) expect(text).not.toContain(secret);
}

async function expectRefused(mutation: string, input: Record<string, unknown>, field: string[], message: RegExp) {
  const orders = await orderCount();
  const calls = t.upstreamCalls.length;
  const result = await t.graphql(token, mutation, { input });
  expect(result.errors).toBeUndefined();
  const payload = Object.values(result.data!)[0] as { order: unknown; userErrors: Array<{ field: string[]; code: string; message: string }> };
  expect(payload.order).toBeNull();
  expect(payload.userErrors).toContainEqual(expect.objectContaining({ code: 'VALIDATION', field }));
  expect(payload.userErrors.find((error) => error.field.join('.') === field.join('.'))!.message).toMatch(message);
  expect(await orderCount()).toBe(orders);
  expect(t.upstreamCalls.length).toBe(calls);
  expectNoLeak(result, input);
}

const COLLECTION_FIELDS: Array<[string[], string]> = [
  [['input', 'amount'], '150000'],
  [['input', 'merchantOrderNo'], 'ORD-TEXT-1'],
  [['input', 'subject'], 'Order 1001'],
  [['input', 'description'], 'Two items'],
  [['input', 'returnUrl'], 'https://shop.example.co.id/back'],
  [['input', 'customer', 'name'], 'Budi Santoso'],
  [['input', 'customer', 'email'], 'budi@example.co.id'],
  [['input', 'customer', 'phone'], '081234567890'],
  [['input', 'customer', 'accountNumber'], '1234567890'],
];

const PAYOUT_FIELDS: Array<[string[], string]> = [
  [['input', 'amount'], '250000'],
  [['input', 'bankCode'], 'BANK_BCA'],
  [['input', 'accountNumber'], '1234567890'],
  [['input', 'accountName'], 'Siti Rahayu'],
  [['input', 'merchantOrderNo'], 'PAY-TEXT-1'],
  [['input', 'address'], 'Jl. Sudirman 1'],
  [['input', 'customer', 'email'], 'siti@example.co.id'],
  [['input', 'customer', 'phone'], '081298765432'],
  [['input', 'customer', 'name'], 'Siti Rahayu'],
];

const UNSTORABLE: Array<[string, (valid: string) => string]> = [
  ['a NUL', (valid) => `${valid.slice(0, 3)}\u0000${valid.slice(3)}`],
  ['a lone high surrogate', (valid) => `${valid}\ud800`],
  ['a lone low surrogate', (valid) => `\udc00${valid}`],
];

describe('NUL and lone surrogates are VALIDATION naming the field, before anything is stored or sent', () => {
  for (const [what, spoil] of UNSTORABLE) {
    it.each(COLLECTION_FIELDS)(`collectionCreate: ${what} in %j`, async (path, valid) => {
      const input = withText(
        { ...collectionInput(), customer: { name: 'Budi Santoso', email: 'budi@example.co.id', phone: '081234567890' } },
        path.slice(1),
        spoil(valid),
      );
      await expectRefused(COLLECTION_CREATE, input, path, /NUL character or a lone surrogate/);
    });

    it.each(PAYOUT_FIELDS)(`payoutCreate: ${what} in %j`, async (path, valid) => {
      const input = withText(
        { ...payoutInput(), customer: { name: 'Siti Rahayu', email: 'siti@example.co.id', phone: '081298765432' } },
        path.slice(1),
        spoil(valid),
      );
      await expectRefused(PAYOUT_CREATE, input, path, /NUL character or a lone surrogate/);
    });
  }

  it('every bad field is named, not only the first', async () => {
    const input = withText(withText(collectionInput(), ['subject'], 'a\u0000'), ['customer', 'name'], '\ud800');
    const result = await t.graphql(token, COLLECTION_CREATE, { input });
    expect(result.data!.collectionCreate.userErrors.map((error: { field: string[] }) => error.field)).toEqual([
      ['input', 'subject'],
      ['input', 'customer', 'name'],
    ]);
  });

  it('sandboxOrderSettle: in paidAmount', async () => {
    const created = await t.graphql(token, COLLECTION_CREATE, { input: collectionInput() });
    const id = created.data!.collectionCreate.order.id;
    const calls = t.upstreamCalls.length;
    const result = await t.graphql(token, SETTLE, { id, outcome: 'PARTIALLY_PAID', paidAmount: '1000\u0000' });
    expect(result.data!.sandboxOrderSettle.userErrors).toEqual([expect.objectContaining({ code: 'VALIDATION', field: ['paidAmount'] })]);
    expect(t.upstreamCalls.length).toBe(calls);
  });

  it.each<[string, string, Record<string, unknown>, string[]]>([
    ['orderByMerchantOrderNo', 'query ($no: String!) { orderByMerchantOrderNo(merchantOrderNo: $no) { id } }', { no: 'ORD-1\u0000' }, ['merchantOrderNo']],
    ['order', 'query ($id: ID!) { order(id: $id) { id } }', { id: 'T3JkZXI6\ud800' }, ['id']],
    ['node', 'query ($id: ID!) { node(id: $id) { id } }', { id: '\u0000' }, ['id']],
    ['node (a global ID that decodes to a NUL)', 'query ($id: ID!) { node(id: $id) { id } }', { id: Buffer.from('Order:\u0000').toString('base64') }, ['id']],
    [
      'orders',
      'query ($method: String) { orders(first: 1, filter: { method: $method }) { edges { cursor } } }',
      { method: 'QRIS\u0000' },
      ['filter', 'method'],
    ],
    ['orders (cursor)', 'query ($after: String) { orders(first: 1, after: $after) { edges { cursor } } }', { after: 'x\udfff' }, ['after']],
    ['payoutBanks', 'query ($search: String) { payoutBanks(search: $search) { code } }', { search: 'bca\u0000' }, ['search']],
  ])('queries: %s gets BAD_USER_INPUT naming the argument', async (_name, query, variables, field) => {
    const result = await t.graphql(token, query, variables);
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors![0]!.extensions!.userErrors).toEqual([expect.objectContaining({ code: 'VALIDATION', field })]);
    expect(result.errors![0]!.message).toContain(field.join('.'));
    expectNoLeak(result, {});
  });

  it('subscriptions: orderUpdated gets BAD_USER_INPUT naming the argument', async () => {
    const client = wsClient(t.gateway.url, token);
    try {
      const stream = collect(client, 'subscription ($id: ID!) { orderUpdated(id: $id) { status } }', { id: 'T3JkZXI6\u0000' });
      await stream.completed;
      expect(stream.values).toEqual([]);
      const text = JSON.stringify(stream.errors);
      expect(text).toContain('BAD_USER_INPUT');
      expect(text).toContain('"field":["id"]');
    } finally {
      await client.dispose();
    }
  });
});

describe('control characters: single-line fields refuse them all, free text keeps line breaks and tabs', () => {
  const CONTROLS: Array<[string, string]> = [
    ['ESC', '\u001b[31m'],
    ['CR', '\r'],
    ['LF', '\n'],
    ['TAB', '\t'],
    ['DEL', '\u007f'],
    ['C1 NEL', '\u0085'],
  ];
  const SINGLE_LINE: Array<[string, string[], string]> = [
    ['collectionCreate', ['input', 'subject'], 'Order 1001'],
    ['collectionCreate', ['input', 'customer', 'name'], 'Budi Santoso'],
    ['collectionCreate', ['input', 'returnUrl'], 'https://shop.example.co.id/back'],
    ['collectionCreate', ['input', 'customer', 'email'], 'budi@example.co.id'],
    ['payoutCreate', ['input', 'accountName'], 'Siti Rahayu'],
  ];

  for (const [control, character] of CONTROLS) {
    it.each(SINGLE_LINE)(`${control} in %s %j is VALIDATION "must be a single line"`, async (mutation, path, valid) => {
      const base = mutation === 'collectionCreate' ? collectionInput() : payoutInput();
      const input = withText(base, path.slice(1), `${valid.slice(0, 5)}${character}${valid.slice(5)}`);
      const message = path.includes('email') ? /single line|e-mail/ : /single line of printable text/;
      await expectRefused(mutation === 'collectionCreate' ? COLLECTION_CREATE : PAYOUT_CREATE, input, path, message);
    });
  }

  it('a line break at the end of a subject is refused too, not trimmed away', async () => {
    await expectRefused(COLLECTION_CREATE, withText(collectionInput(), ['subject'], 'Order 1001\n'), ['input', 'subject'], /single line/);
  });

  it('a description may hold line breaks and tabs, and keeps them', async () => {
    const description = 'Two items:\n\t- batik shirt\n\t- sarong';
    const input = withText(collectionInput(), ['description'], description);
    const result = await t.graphql(token, COLLECTION_CREATE, { input });
    expect(result.data!.collectionCreate.userErrors).toEqual([]);
    const rows = await t.gateway.orm.em
      .fork()
      .getConnection()
      .execute('select description from orders where merchant_order_no = ?', [valueAt(input, ['merchantOrderNo'])]);
    expect(rows[0]!.description).toBe(description);
  });

  it('a payout address may span lines', async () => {
    const result = await t.graphql(token, PAYOUT_CREATE, { input: withText(payoutInput(), ['address'], 'Jl. Sudirman 1\nJakarta') });
    expect(result.data!.payoutCreate.userErrors).toEqual([]);
  });

  it.each<[string, string]>([
    ['CR', 'Two\r\nitems'],
    ['ESC', 'Two \u001b[2Jitems'],
    ['a C1 control', 'Two\u009bitems'],
  ])('a description with %s is VALIDATION', async (_name, description) => {
    await expectRefused(COLLECTION_CREATE, withText(collectionInput(), ['description'], description), ['input', 'description'], /no other control characters/);
  });
});

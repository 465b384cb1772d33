import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { collectionInput, payoutInput } from '../helpers/operations.js';

const CREATE = `mutation ($input: CollectionCreateInput!) {
  collectionCreate(input: $input) { order { id status amount vaNumber } clientSecret userErrors { field code message } }
}`;
const PAYOUT = `mutation ($input: PayoutCreateInput!) { payoutCreate(input: $input) { order { id status amount } userErrors { field code message } } }`;

let t: TestGateway;
let merchant: Merchant;

beforeAll(async () => {
  t = await startTestGateway();
  merchant = await t.addMerchant('M-REPLAY-1');
});
afterAll(async () => {
  await t?.close();
});

/**
 * A replay is answered with the stored order only for the token that created it, or one with
 * orders:read. Any other token learns that the merchantOrderNo is taken and nothing else: the
 * answer is the same whatever it guesses about the order's fields.
 */
describe('idempotent replays reveal nothing to other tokens', () => {
  it('another collections:write token gets "taken" for a right guess and a wrong one alike', async () => {
    const creator = await t.token(merchant, ['collections:write']);
    const other = await t.token(merchant, ['collections:write']);
    const input = collectionInput({ customer: { email: 'secret.buyer@example.co.id' } });
    const created = (await t.graphql(creator, CREATE, { input })).data!.collectionCreate;
    expect(created.userErrors).toEqual([]);
    const calls = t.upstreamCalls.length;

    const rightGuess = (await t.graphql(other, CREATE, { input })).data!.collectionCreate;
    const wrongGuess = (await t.graphql(other, CREATE, { input: { ...input, customer: { email: 'someone.else@example.co.id' } } })).data!.collectionCreate;
    expect(rightGuess).toEqual(wrongGuess);
    expect(rightGuess).toEqual({
      order: null,
      clientSecret: null,
      userErrors: [
        {
          field: ['input', 'merchantOrderNo'],
          code: 'IDEMPOTENCY_CONFLICT',
          message: `merchantOrderNo "${String(input.merchantOrderNo)}" is taken: use a new merchantOrderNo`,
        },
      ],
    });
    expect(t.upstreamCalls.length).toBe(calls);

    // Its creator still gets its retry answered, with the same client secret.
    const replay = (await t.graphql(creator, CREATE, { input })).data!.collectionCreate;
    expect(replay.order.id).toBe(created.order.id);
    expect(replay.clientSecret).toBe(created.clientSecret);
    // And a different request from its creator is still a conflict, as before.
    const changed = (await t.graphql(creator, CREATE, { input: { ...input, amount: '160000' } })).data!.collectionCreate;
    expect(changed.userErrors[0].code).toBe('IDEMPOTENCY_CONFLICT');
    expect(changed.userErrors[0].message).toMatch(/different request/);
  });

  it('a token with orders:read may replay an order it did not create', async () => {
    const creator = await t.token(merchant, ['collections:write']);
    const reader = await t.token(merchant, ['collections:write', 'orders:read']);
    const input = collectionInput();
    const created = (await t.graphql(creator, CREATE, { input })).data!.collectionCreate;
    const replay = (await t.graphql(reader, CREATE, { input })).data!.collectionCreate;
    expect(replay.userErrors).toEqual([]);
    expect(replay.order).toEqual(created.order);
  });

  it('payouts follow the same rule', async () => {
    const creator = await t.token(merchant, ['payouts:write']);
    const other = await t.token(merchant, ['payouts:write']);
    const input = payoutInput();
    const created = (await t.graphql(creator, PAYOUT, { input })).data!.payoutCreate;
    expect(created.userErrors).toEqual([]);
    const guess = (await t.graphql(other, PAYOUT, { input })).data!.payoutCreate;
    expect(guess.order).toBeNull();
    expect(guess.userErrors[0]).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', message: expect.stringMatching(/is taken/) });
    expect((await t.graphql(creator, PAYOUT, { input })).data!.payoutCreate.order.id).toBe(created.order.id);
  });
});

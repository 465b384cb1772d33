import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, collectionInput } from '../helpers/operations.js';

/** A collection's expiresAt: TarsPay's expiredTime when its create answer carries one, else the gateway's 30-minute estimate. */

const EXPIRY = 'query ($id: ID!) { order(id: $id) { status platformOrderId expiresAt createdAt } }';
const TWO_HOURS = 2 * 3600_000;
const THIRTY_MINUTES = 30 * 60_000;

let t: TestGateway;
let merchant: Merchant;
let token: string;

beforeAll(async () => {
  // The sandbox closes unpaid collections after two hours: an expiry the gateway could not have guessed.
  t = await startTestGateway({ sandbox: { orderExpiryMs: TWO_HOURS } });
  merchant = await t.addMerchant('M-EXPIRY');
  token = await t.token(merchant);
});
afterAll(() => t.close());

async function createAndRead(): Promise<{ status: string; platformOrderId: string; expiresAt: string; createdAt: string }> {
  const created = (await t.graphql(token, COLLECTION_CREATE, { input: collectionInput() })).data!.collectionCreate.order;
  return (await t.graphql(token, EXPIRY, { id: created.id })).data!.order;
}

describe('a collection expires when TarsPay says', () => {
  it("takes expiresAt from the create answer's expiredTime (Unix seconds, UTC)", async () => {
    const order = await createAndRead();
    expect(order.status).toBe('CREATED');
    const closesAt = Date.parse(t.sandbox.order(order.platformOrderId)!.expiresAt!);
    expect(order.expiresAt).toBe(new Date(Math.floor(closesAt / 1000) * 1000).toISOString());
    expect(Date.parse(order.expiresAt) - Date.parse(order.createdAt)).toBeGreaterThan(TWO_HOURS - 5000);
  });

  it('keeps its estimate when expiredTime cannot be read (text without a zone), and the order stands', async () => {
    t.sandbox.faults.add({ path: '/api/pay/unifiedOrder', mode: 'unsigned', data: { expiredTime: '2026-12-07 20:00:00' }, count: 1 });
    const order = await createAndRead();
    expect(order.status).toBe('CREATED');
    expect(order.platformOrderId).toMatch(/^P\d+/);
    const estimate = Date.parse(order.expiresAt) - Date.parse(order.createdAt);
    expect(Math.abs(estimate - THIRTY_MINUTES)).toBeLessThan(5000);
    expect(t.logs.some((line) => line.includes('TarsPay expiredTime not understood') && line.includes('2026-12-07 20:00:00'))).toBe(true);
  });

  it('keeps its estimate when the answer has no expiredTime', async () => {
    t.sandbox.faults.add({ path: '/api/pay/unifiedOrder', mode: 'unsigned', data: { expiredTime: null }, count: 1 });
    const order = await createAndRead();
    expect(order.status).toBe('CREATED');
    const estimate = Date.parse(order.expiresAt) - Date.parse(order.createdAt);
    expect(Math.abs(estimate - THIRTY_MINUTES)).toBeLessThan(5000);
  });
});

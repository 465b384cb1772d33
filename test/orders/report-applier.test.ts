import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sql, type Query } from '../../src/db/sql.js';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { upsertMerchant } from '../../src/merchants/merchant.service.js';
import { checkDelayMs, checkDelaySql, DEFAULT_CHECK_SCHEDULE, nextCheckAt, type CheckSchedule } from '../../src/orders/check-schedule.js';
import { OrderEvent } from '../../src/orders/order-event.entity.js';
import { ORDER_COLUMNS, orderFromRow } from '../../src/orders/order-row.js';
import type { OrderChangeMessage } from '../../src/orders/change-message.js';
import type { OrderStatus } from '../../src/orders/order-status.js';
import { EventSequencer } from '../../src/orders/event-sequencer.js';
import { ReportApplier, type AppliedReport } from '../../src/orders/report-applier.js';
import { Order } from '../../src/orders/order.entity.js';
import { generateKeyPair } from '../../src/tarspay/signer.js';
import { createTestOrm, type TestOrm } from '../helpers/database.js';
import { recordingLogger } from '../helpers/logs.js';

let db: TestOrm;
let merchant: Merchant;
let counter = 0;
const published: OrderChangeMessage[] = [];
const latePayments: AppliedReport[] = [];
const logs: string[] = [];
let reports: ReportApplier;
let sql: Sql;

beforeAll(async () => {
  db = await createTestOrm();
  merchant = await upsertMerchant(db.orm.em.fork(), db.keyRing, {
    mchNo: 'M-UPDATES',
    privateKeyHex: generateKeyPair().privateKey,
    platformPublicKey: generateKeyPair().publicKey,
  });
  const logger = recordingLogger(logs, 'debug');
  sql = new Sql(db.orm);
  reports = new ReportApplier({
    sql,
    sequencer: new EventSequencer({ sql: sql.background, onNumbered: (messages) => published.push(...messages), logger: logger }),
    listeners: { onLatePayment: (change) => latePayments.push(change) },
    logger,
  });
});
afterAll(async () => {
  await sql?.close();
  await db?.close();
});

async function storedOrder(status: OrderStatus, fields: Partial<Order> = {}): Promise<string> {
  const em = db.orm.em.fork();
  counter += 1;
  const order = em.create(Order, {
    merchant,
    kind: 'COLLECTION',
    merchantOrderNo: `U-${counter}`,
    status,
    amount: '150000',
    method: 'BANK_BCA',
    requestFingerprint: 'f',
    customer: null,
    ...fields,
  });
  await em.flush();
  return order.id;
}

async function lockedOrder(query: Query, id: string) {
  const [row] = await query(`select ${ORDER_COLUMNS} from orders where id = $1 for update`, [id]);
  return orderFromRow(row!);
}

const eventsOf = (orderId: string) => db.orm.em.fork().find(OrderEvent, { order: orderId }, { orderBy: { id: 'asc' } });

describe('ReportApplier.apply', () => {
  it('applies a move the state machine allows, writes its event and publishes it after commit', async () => {
    const id = await storedOrder('CREATED');
    published.length = 0;
    const change = await reports.apply(id, { status: 'SUCCEEDED', source: 'CALLBACK', paidAmount: '150000', fee: '4500' });
    expect(change).toMatchObject({ verdict: 'apply', latePayment: false });
    expect(change.order).toMatchObject({ status: 'SUCCEEDED', paidAmount: '150000', fee: '4500', amountMismatch: false, nextCheckAt: null });
    expect((await eventsOf(id)).map((event) => [event.previousStatus, event.status, event.applied])).toEqual([['CREATED', 'SUCCEEDED', true]]);
    expect(published).toEqual([expect.objectContaining({ merchantId: merchant.id, order: expect.objectContaining({ id, status: 'SUCCEEDED' }) })]);
  });

  it('records a backward move as an event not applied, keeps facts that never go back, and logs it', async () => {
    const id = await storedOrder('SUCCEEDED');
    const change = await reports.apply(id, { status: 'FAILED', source: 'CALLBACK', platformOrderId: 'P-LATE-FACT' });
    expect(change.verdict).toBe('ignore');
    expect(change.order).toMatchObject({ status: 'SUCCEEDED', platformOrderId: 'P-LATE-FACT', upstreamConfirmed: true });
    expect((await eventsOf(id)).map((event) => [event.status, event.applied])).toEqual([['FAILED', false]]);
    expect(logs.some((line) => line.includes(id) && line.includes('would move the order backwards'))).toBe(true);
  });

  it('writes nothing for a repeat, but fills a paid amount it did not know', async () => {
    const id = await storedOrder('SUCCEEDED');
    const change = await reports.apply(id, { status: 'SUCCEEDED', source: 'RECONCILIATION', paidAmount: '150000' });
    expect(change).toMatchObject({ verdict: 'duplicate', event: null });
    expect(change.order.paidAmount).toBe('150000');
    expect(await eventsOf(id)).toEqual([]);
  });

  it('applies a payment TarsPay reports for an EXPIRED order as a late payment: note, listener, warning, failure reason cleared', async () => {
    const id = await storedOrder('EXPIRED', { failureReason: 'Order expired' });
    latePayments.length = 0;
    const change = await reports.apply(id, { status: 'SUCCEEDED', source: 'CALLBACK', paidAmount: '150000' });
    expect(change).toMatchObject({ verdict: 'apply', latePayment: true });
    expect(change.order).toMatchObject({ status: 'SUCCEEDED', failureReason: null });
    expect((await eventsOf(id))[0]!.note).toMatch(/^late payment: TarsPay reported SUCCEEDED for an order that was EXPIRED/);
    expect(latePayments.map((late) => late.order.id)).toEqual([id]);
    expect(logs.some((line) => line.includes('"level":40') && line.includes(id) && line.includes('late payment'))).toBe(true);
  });

  it('flags a paid amount that differs from the order amount', async () => {
    const id = await storedOrder('CREATED');
    const change = await reports.apply(id, { status: 'SUCCEEDED', source: 'CALLBACK', paidAmount: '149999' });
    expect(change.order.amountMismatch).toBe(true);
  });

  it('clears needsAttention once the order leaves UNKNOWN, and restarts the check back-off', async () => {
    const id = await storedOrder('UNKNOWN', { attentionSince: new Date(), checkAttempts: 5 });
    const change = await reports.apply(id, { status: 'CREATED', source: 'RECONCILIATION' });
    expect(change.order).toMatchObject({ attentionSince: null, checkAttempts: 0 });
  });
});

describe('ReportApplier.transaction', () => {
  it('decides again when the order moved after it was read: a stale read never overwrites a newer status', async () => {
    const id = await storedOrder('CREATED');
    const [row] = await db.orm.em.getConnection().execute(`select ${ORDER_COLUMNS} from orders where id = ?`, [id]);
    const stale = orderFromRow(row as Record<string, unknown>); // CREATED, as read before the payment below
    await reports.apply(id, { status: 'SUCCEEDED', source: 'CALLBACK', paidAmount: '150000' });
    const change = await reports.apply(id, { status: 'EXPIRED', source: 'RECONCILIATION' }, stale);
    expect(change.verdict).toBe('ignore');
    expect(change.order.status).toBe('SUCCEEDED');
    expect((await eventsOf(id)).map((event) => [event.status, event.applied])).toEqual([
      ['SUCCEEDED', true],
      ['EXPIRED', false],
    ]);
  });

  it('announces nothing when the transaction rolls back', async () => {
    const id = await storedOrder('CREATED');
    published.length = 0;
    await expect(
      reports.transaction(async (query, locked) => {
        const order = await lockedOrder(query, id);
        await locked.write(locked.decide(order, { status: 'SUCCEEDED', source: 'CALLBACK', paidAmount: '150000' }));
        throw new Error('the receipt could not be stored');
      }),
    ).rejects.toThrow('the receipt could not be stored');
    expect(published).toEqual([]);
    expect((await db.orm.em.fork().findOneOrFail(Order, { id })).status).toBe('CREATED');
    expect(await eventsOf(id)).toEqual([]);
  });

  it('announces every change of the transaction once it has committed', async () => {
    const [first, second] = [await storedOrder('CREATED'), await storedOrder('PROCESSING', { kind: 'PAYOUT' })];
    published.length = 0;
    const seenInside: number[] = [];
    await reports.transaction(async (query, locked) => {
      for (const id of [first, second]) {
        const order = await lockedOrder(query, id);
        await locked.write(locked.decide(order, { status: 'SUCCEEDED', source: 'CALLBACK', paidAmount: order.amount }));
        seenInside.push(published.length);
      }
    });
    expect(seenInside).toEqual([0, 0]);
    expect(published.map((message) => message.order.id)).toEqual([first, second]);
  });
});

describe('the check schedule', () => {
  it('checks an unknown order soon, a collection after its expiry, a closed one for a late payment, a settled one never', () => {
    const now = Date.parse('2026-12-01T00:00:00Z');
    expect(nextCheckAt({ status: 'UNKNOWN', kind: 'PAYOUT', expiresAt: null }, now)!.getTime() - now).toBe(30_000);
    const expiresAt = new Date(now + 30 * 60_000);
    expect(nextCheckAt({ status: 'CREATED', kind: 'COLLECTION', expiresAt }, now)!.getTime()).toBe(expiresAt.getTime() + 60_000);
    expect(nextCheckAt({ status: 'PROCESSING', kind: 'PAYOUT', expiresAt: null }, now)!.getTime() - now).toBe(10 * 60_000);
    for (const status of ['FAILED', 'EXPIRED', 'CANCELLED'] as const) {
      expect(nextCheckAt({ status, kind: 'COLLECTION', expiresAt }, now)!.getTime() - now).toBe(10 * 60_000);
      expect(nextCheckAt({ status, kind: 'COLLECTION', expiresAt }, now, { ...DEFAULT_CHECK_SCHEDULE, latePaymentWindowMs: 0 })).toBeNull();
    }
    for (const status of ['SUCCEEDED', 'REFUNDED', 'REJECTED'] as const) {
      expect(nextCheckAt({ status, kind: 'COLLECTION', expiresAt }, now)).toBeNull();
    }
  });

  it('takes every first check from the configured schedule', () => {
    const now = Date.parse('2026-12-01T00:00:00Z');
    const schedule: CheckSchedule = { firstCheckMs: 1, openCheckMs: 2, afterExpiryMs: 3, backoffFirstMs: 4, backoffMaxMs: 5, latePaymentWindowMs: 6 };
    const expiresAt = new Date(now + 1_000);
    expect(nextCheckAt({ status: 'SUBMITTING', kind: 'PAYOUT', expiresAt: null }, now, schedule)!.getTime() - now).toBe(1);
    expect(nextCheckAt({ status: 'QUEUED', kind: 'PAYOUT', expiresAt: null }, now, schedule)!.getTime() - now).toBe(2);
    expect(nextCheckAt({ status: 'EXPIRED', kind: 'COLLECTION', expiresAt }, now, schedule)!.getTime() - now).toBe(2);
    expect(nextCheckAt({ status: 'CREATED', kind: 'COLLECTION', expiresAt }, now, schedule)!.getTime()).toBe(expiresAt.getTime() + 3);
  });

  it('doubles the delay between checks up to its maximum', () => {
    expect([0, 1, 2, 3].map((checks) => checkDelayMs(checks))).toEqual([15_000, 30_000, 60_000, 120_000]);
    expect(checkDelayMs(7)).toBe(DEFAULT_CHECK_SCHEDULE.backoffMaxMs);
    expect(checkDelayMs(1_000)).toBe(DEFAULT_CHECK_SCHEDULE.backoffMaxMs);
    const short = { ...DEFAULT_CHECK_SCHEDULE, backoffFirstMs: 50, backoffMaxMs: 120 };
    expect([0, 1, 2, 30].map((checks) => checkDelayMs(checks, short))).toEqual([50, 100, 120, 120]);
  });

  it('computes the same back-off in SQL', async () => {
    const short = { ...DEFAULT_CHECK_SCHEDULE, backoffFirstMs: 50, backoffMaxMs: 120 };
    for (const schedule of [DEFAULT_CHECK_SCHEDULE, short]) {
      const delay = checkDelaySql('checks', 1, schedule);
      const rows = await sql.query<{ checks: number; ms: number }>(
        `select checks, extract(epoch from ${delay.sql}) * 1000 as ms from generate_series(0, 40) as checks`,
        delay.values,
      );
      for (const row of rows) expect(Math.round(Number(row.ms))).toBe(checkDelayMs(row.checks, schedule));
    }
  });
});

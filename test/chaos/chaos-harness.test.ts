import { describe, expect, it } from 'vitest';
import {
  checkAnsweredOrdersExist,
  checkConsumers,
  checkCreates,
  checkOrdersMatchTarsPay,
  checkStuckOrders,
  checkWebhooks,
  type GatewayOrder,
  type StoredEvent,
  type WebhookRecord,
} from '../../chaos/invariants.js';
import { FAULT_KINDS, planDigest, planFaults } from '../../chaos/schedule.js';
import type { LedgerEntry } from '../../src/sandbox/ledger.js';

/** The chaos run's pure parts: its fault plan is a function of the seed, and its checkers catch what they must. */

function ledgerEntry(overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    kind: 'COLLECTION',
    mchNo: 'M1',
    mchOrderNo: 'order-1',
    creates: [{ at: '2026-12-07T00:00:00.000Z', outcome: 'stored', afterConfirmed: false }],
    order: { payOrderId: 'P1', amount: '10000', wayCode: 'BANK_BCA', state: 0, status: 'CREATED', history: [] },
    confirmedAt: '2026-12-07T00:00:00.100Z',
    confirmedBy: 'create',
    ...overrides,
  };
}

function gatewayOrder(overrides: Partial<GatewayOrder> = {}): GatewayOrder {
  return {
    id: 'o1',
    merchantOrderNo: 'order-1',
    kind: 'COLLECTION',
    status: 'CREATED',
    platformOrderId: 'P1',
    attentionSince: null,
    attentionReason: null,
    createdAt: new Date('2026-12-07T00:00:00Z'),
    expiresAt: new Date('2026-12-07T00:00:10Z'),
    ...overrides,
  };
}

const event = (seq: number): StoredEvent => ({ seq, id: String(seq), orderId: 'o1', status: 'CREATED', applied: true });

describe('the fault plan', () => {
  it('is the same for the same seed, and differs for another', () => {
    const options = { durationMs: 60_000, instances: 3 };
    const first = planFaults({ seed: 42, ...options });
    expect(planFaults({ seed: 42, ...options })).toEqual(first);
    expect(planDigest(planFaults({ seed: 42, ...options }))).toBe(planDigest(first));
    expect(planDigest(planFaults({ seed: 43, ...options }))).not.toBe(planDigest(first));
  });

  it('holds every kind of fault over a minute, in time order, within the load and on existing instances', () => {
    const plan = planFaults({ seed: 7, durationMs: 60_000, instances: 3 });
    expect(new Set(plan.map((fault) => fault.kind))).toEqual(new Set(FAULT_KINDS));
    expect(plan.map((fault) => fault.atMs)).toEqual([...plan.map((fault) => fault.atMs)].sort((a, b) => a - b));
    for (const fault of plan) {
      expect(fault.atMs).toBeLessThanOrEqual(51_000);
      expect(fault.instance).toBeGreaterThanOrEqual(0);
      expect(fault.instance).toBeLessThan(3);
    }
  });
});

describe('invariant 1: orders match TarsPay', () => {
  it('passes an order in the same state with the same id', () => {
    expect(checkOrdersMatchTarsPay([ledgerEntry()], [gatewayOrder()])).toEqual([]);
  });

  it('flags an order TarsPay holds that the gateway lacks, or holds in another state', () => {
    expect(checkOrdersMatchTarsPay([ledgerEntry()], [])).toHaveLength(1);
    const expired = ledgerEntry({ order: { ...ledgerEntry().order!, state: 6, status: 'EXPIRED' } });
    expect(checkOrdersMatchTarsPay([expired], [gatewayOrder()])[0]).toMatchObject({ invariant: 1, merchantOrderNo: 'order-1', orderId: 'o1' });
  });

  it('accepts a mismatch that is flagged needsAttention', () => {
    const expired = ledgerEntry({ order: { ...ledgerEntry().order!, state: 6, status: 'EXPIRED' } });
    expect(checkOrdersMatchTarsPay([expired], [gatewayOrder({ attentionSince: new Date() })])).toEqual([]);
  });

  it('flags a TarsPay id TarsPay never stored', () => {
    expect(checkOrdersMatchTarsPay([], [gatewayOrder({ platformOrderId: 'P999' })])).toHaveLength(1);
  });
});

describe('invariant 2: creates', () => {
  it('flags two creates stored for one merchantOrderNo', () => {
    const twice = ledgerEntry({
      creates: [
        { at: '2026-12-07T00:00:00.000Z', outcome: 'stored', afterConfirmed: false },
        { at: '2026-12-07T00:00:01.000Z', outcome: 'stored', afterConfirmed: false },
      ],
    });
    expect(checkCreates([twice])).toEqual([expect.objectContaining({ invariant: 2, merchantOrderNo: 'order-1' })]);
  });

  it('flags a create sent after TarsPay confirmed the order, even one refused as a duplicate', () => {
    const resent = ledgerEntry({
      creates: [
        { at: '2026-12-07T00:00:00.000Z', outcome: 'stored', afterConfirmed: false },
        { at: '2026-12-07T00:00:05.000Z', outcome: 'duplicate', code: 5003011, afterConfirmed: true },
      ],
    });
    expect(checkCreates([resent])).toHaveLength(1);
  });

  it('passes a create re-sent before TarsPay confirmed anything', () => {
    const retried = ledgerEntry({
      creates: [
        { at: '2026-12-07T00:00:00.000Z', outcome: 'stored', afterConfirmed: false },
        { at: '2026-12-07T00:00:05.000Z', outcome: 'duplicate', code: 5003011, afterConfirmed: false },
      ],
    });
    expect(checkCreates([retried])).toEqual([]);
  });
});

describe('invariant 3: answered orders exist', () => {
  it('flags an order id a mutation answered that the database lacks', () => {
    const answers = [
      { operation: 'collectionCreate', merchantOrderNo: 'order-1', orderId: 'o1' },
      { operation: 'payoutCreate', merchantOrderNo: 'order-2', orderId: 'o2' },
    ];
    expect(checkAnsweredOrdersExist(answers, [gatewayOrder()])).toEqual([expect.objectContaining({ invariant: 3, orderId: 'o2' })]);
  });
});

describe('invariant 4: consumers', () => {
  const events = [1, 2, 3, 4, 5].map(event);

  it('passes a consumer that saw every event after its cursor once, in order, across resumes', () => {
    expect(checkConsumers([{ name: 'c', firstSeq: 2, received: [3, 4, 5], resumes: 2 }], events)).toEqual([]);
  });

  it('flags a consumer that missed an event', () => {
    expect(checkConsumers([{ name: 'c', firstSeq: 0, received: [1, 2, 4, 5], resumes: 1 }], events)).toEqual([
      expect.objectContaining({ invariant: 4, message: expect.stringContaining('missed seq 3') }),
    ]);
  });

  it('flags an event seen twice, and events out of commit order', () => {
    const twice = checkConsumers([{ name: 'c', firstSeq: 0, received: [1, 2, 2, 3, 4, 5], resumes: 1 }], events);
    expect(twice.map((violation) => violation.message).join()).toContain('more than once');
    const reordered = checkConsumers([{ name: 'c', firstSeq: 0, received: [1, 3, 2, 4, 5], resumes: 0 }], events);
    expect(reordered.map((violation) => violation.message).join()).toContain('got seq 2 after 3');
  });
});

describe('invariant 6: the webhook endpoint', () => {
  const events = [1, 2, 3, 4, 5].map(event);
  const record = (received: number[], overrides: Partial<WebhookRecord> = {}): WebhookRecord => ({
    firstSeq: 1,
    received,
    messageIds: new Map(received.map((seq) => [seq, new Set([`msg_e_${seq}`])])),
    badSignatures: 0,
    refused: 0,
    ...overrides,
  });
  const messages = (violations: { message: string }[]) => violations.map((violation) => violation.message).join(' | ');

  it('passes every event after its registration, in order, re-sends after a crash included', () => {
    expect(checkWebhooks(record([2, 3, 4, 3, 4, 5]), events, 5)).toEqual([]);
    // Events committed after the run's last seq are not judged.
    expect(checkWebhooks(record([2, 3, 4, 5, 6]), events, 5)).toEqual([]);
  });

  it('flags an event skipped or sent ahead of the one before it', () => {
    expect(messages(checkWebhooks(record([2, 4, 3, 5]), events, 5))).toContain('got seq 4 first when seq 3 was due');
  });

  it('flags events never answered', () => {
    expect(messages(checkWebhooks(record([2, 3]), events, 5))).toContain('never got seq 4 … 5');
  });

  it('flags an event under two webhook-ids, and deliveries that did not verify', () => {
    const twoIds = record([2, 3, 4, 5], { messageIds: new Map([[3, new Set(['msg_e_3', 'msg_e_3_2'])]]) });
    expect(checkWebhooks(twoIds, events, 5)).toEqual([
      expect.objectContaining({ invariant: 6, message: expect.stringContaining('seq 3 came under 2 webhook-ids') }),
    ]);
    expect(messages(checkWebhooks(record([2, 3, 4, 5], { badSignatures: 2 }), events, 5))).toContain('2 deliveries did not verify');
  });
});

describe('invariant 5: stuck orders', () => {
  const windows = { unknown: 15_000, expiryGrace: 15_000, payoutProcessing: 20_000 };
  const created = new Date('2026-12-07T00:00:00Z').getTime();

  it('flags an UNKNOWN order past its window, not one within it or flagged', () => {
    const unknown = gatewayOrder({ status: 'UNKNOWN', platformOrderId: null });
    expect(checkStuckOrders([unknown], windows, created + 16_000)).toHaveLength(1);
    expect(checkStuckOrders([unknown], windows, created + 14_000)).toEqual([]);
    expect(checkStuckOrders([{ ...unknown, attentionSince: new Date() }], windows, created + 16_000)).toEqual([]);
  });

  it('flags an open collection past its expiry and grace, and a payout processing too long', () => {
    expect(checkStuckOrders([gatewayOrder()], windows, created + 26_000)).toHaveLength(1);
    expect(checkStuckOrders([gatewayOrder()], windows, created + 24_000)).toEqual([]);
    const payout = gatewayOrder({ kind: 'PAYOUT', status: 'PROCESSING', expiresAt: null });
    expect(checkStuckOrders([payout], windows, created + 21_000)).toHaveLength(1);
  });

  it('passes settled orders', () => {
    expect(checkStuckOrders([gatewayOrder({ status: 'SUCCEEDED' })], windows, created + 600_000)).toEqual([]);
  });
});

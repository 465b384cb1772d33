import type { LedgerEntry } from '../src/sandbox/ledger.js';

/**
 * The five things a chaos run must never break, as pure functions over what the run collected:
 * the sandbox's ledger (what TarsPay holds and said), the database (orders and events) and what the
 * load and the consumers saw.
 */

export interface GatewayOrder {
  id: string;
  merchantOrderNo: string;
  kind: 'COLLECTION' | 'PAYOUT';
  status: string;
  platformOrderId: string | null;
  attentionSince: Date | null;
  /** Once the column exists. */
  attentionReason: string | null;
  createdAt: Date;
  expiresAt: Date | null;
}

export interface StoredEvent {
  seq: number;
  id: string;
  orderId: string;
  status: string;
  applied: boolean;
}

/** A mutation that answered with an order id. */
export interface MutationAnswer {
  operation: string;
  merchantOrderNo: string;
  orderId: string;
}

export interface ConsumerRecord {
  name: string;
  /** The seq of the cursor it first subscribed after. */
  firstSeq: number;
  /** The seq of every event it received, across all its resumes, in arrival order. */
  received: number[];
  resumes: number;
}

/** What the run's webhook receiver answered 200, and what it turned away. */
export interface WebhookRecord {
  /** The last seq committed before the endpoint was registered. */
  firstSeq: number;
  /** The seq of every delivery answered 200, in arrival order (a re-sent one appears again). */
  received: number[];
  /** The webhook-id headers each seq came with, refused deliveries included. */
  messageIds: Map<number, Set<string>>;
  /** Deliveries whose signature did not verify (answered 400). */
  badSignatures: number;
  /** Deliveries the receiver chose to fail (answered 500), which the gateway must send again. */
  refused: number;
}

export interface Violation {
  invariant: 1 | 2 | 3 | 4 | 5 | 6;
  merchantOrderNo?: string;
  orderId?: string;
  message: string;
}

export const INVARIANTS: Readonly<Record<Violation['invariant'], string>> = {
  1: 'every order TarsPay holds is one gateway order in its state, or flagged',
  2: 'one create stored per merchantOrderNo, none after TarsPay confirmed',
  3: 'every order id a mutation answered is in the database',
  4: 'every consumer saw every event once, in commit order',
  5: 'no order unsettled past its window without needsAttention',
  6: 'the webhook endpoint got every event, signed, once per webhook-id, in order',
};

/** Statuses an order rests in: nothing more is expected of it. */
export const SETTLED = new Set(['SUCCEEDED', 'FAILED', 'PARTIALLY_PAID', 'CANCELLED', 'REFUNDED', 'EXPIRED', 'REJECTED']);

const flagged = (order: GatewayOrder): boolean => order.attentionSince !== null;

function flagNote(order: GatewayOrder): string {
  return order.attentionReason ? ` (flagged: ${order.attentionReason})` : '';
}

/** 1. Every order TarsPay holds is exactly one gateway order in TarsPay's state, or flagged needsAttention; and the gateway holds no TarsPay id TarsPay does not know. */
export function checkOrdersMatchTarsPay(ledger: readonly LedgerEntry[], orders: readonly GatewayOrder[]): Violation[] {
  const violations: Violation[] = [];
  const byKey = new Map<string, GatewayOrder[]>();
  for (const order of orders) {
    const key = `${order.kind}:${order.merchantOrderNo}`;
    byKey.set(key, [...(byKey.get(key) ?? []), order]);
  }
  const known = new Set<string>();
  for (const entry of ledger) {
    if (!entry.order) continue;
    known.add(entry.order.payOrderId);
    const matches = byKey.get(`${entry.kind}:${entry.mchOrderNo}`) ?? [];
    const where = { invariant: 1 as const, merchantOrderNo: entry.mchOrderNo };
    if (matches.length === 0) {
      violations.push({ ...where, message: `TarsPay holds ${entry.kind} ${entry.order.payOrderId} (${entry.order.status}); the gateway has no order for it` });
      continue;
    }
    if (matches.length > 1) {
      violations.push({ ...where, orderId: matches[0]!.id, message: `TarsPay's order ${entry.order.payOrderId} is ${matches.length} gateway orders` });
      continue;
    }
    const order = matches[0]!;
    const sameId = order.platformOrderId === entry.order.payOrderId;
    if ((sameId && order.status === entry.order.status) || flagged(order)) continue;
    const ids = sameId ? '' : `, platformOrderId ${order.platformOrderId ?? 'none'} where TarsPay says ${entry.order.payOrderId}`;
    violations.push({ ...where, orderId: order.id, message: `gateway says ${order.status}, TarsPay says ${entry.order.status}${ids}, not flagged` });
  }
  for (const order of orders) {
    if (order.platformOrderId !== null && !known.has(order.platformOrderId)) {
      violations.push({
        invariant: 1,
        merchantOrderNo: order.merchantOrderNo,
        orderId: order.id,
        message: `the gateway holds TarsPay id ${order.platformOrderId}, which TarsPay never stored${flagNote(order)}`,
      });
    }
  }
  return violations;
}

/** 2. TarsPay stored at most one create per merchantOrderNo, and received no create for an order it had already confirmed. */
export function checkCreates(ledger: readonly LedgerEntry[]): Violation[] {
  const violations: Violation[] = [];
  for (const entry of ledger) {
    const where = { invariant: 2 as const, merchantOrderNo: entry.mchOrderNo };
    const stored = entry.creates.filter((create) => create.outcome === 'stored').length;
    if (stored > 1) violations.push({ ...where, message: `TarsPay stored ${stored} ${entry.kind} creates for one merchantOrderNo` });
    const late = entry.creates.filter((create) => create.afterConfirmed);
    if (late.length > 0) {
      const outcomes = late.map((create) => `${create.at} ${create.outcome}${create.code === undefined ? '' : ` ${create.code}`}`).join(', ');
      violations.push({
        ...where,
        message: `${late.length} ${entry.kind} create(s) sent after TarsPay confirmed the order (${entry.confirmedBy} at ${entry.confirmedAt}): ${outcomes}`,
      });
    }
  }
  return violations;
}

/** 3. Every mutation that answered with an order id has that order in the database. */
export function checkAnsweredOrdersExist(answers: readonly MutationAnswer[], orders: readonly GatewayOrder[]): Violation[] {
  const ids = new Set(orders.map((order) => order.id));
  return answers
    .filter((answer) => !ids.has(answer.orderId))
    .map((answer) => ({
      invariant: 3 as const,
      merchantOrderNo: answer.merchantOrderNo,
      orderId: answer.orderId,
      message: `${answer.operation} answered order ${answer.orderId}, which is not in the database`,
    }));
}

/** 4. Each consumer received every event committed after its first cursor exactly once, in commit (seq) order. */
export function checkConsumers(consumers: readonly ConsumerRecord[], events: readonly StoredEvent[]): Violation[] {
  const violations: Violation[] = [];
  const bySeq = new Map(events.map((event) => [event.seq, event]));
  for (const consumer of consumers) {
    const expected = events.filter((event) => event.seq > consumer.firstSeq).map((event) => event.seq);
    const seen = new Map<number, number>();
    for (const seq of consumer.received) seen.set(seq, (seen.get(seq) ?? 0) + 1);
    const problems: string[] = [];
    const missing = expected.filter((seq) => !seen.has(seq));
    const twice = [...seen].filter(([, count]) => count > 1).map(([seq]) => seq);
    const unknown = [...seen.keys()].filter((seq) => !bySeq.has(seq) || seq <= consumer.firstSeq);
    const outOfOrder = consumer.received.findIndex((seq, index) => index > 0 && seq < consumer.received[index - 1]!);
    const show = (seqs: number[]) => `${seqs.slice(0, 8).join(', ')}${seqs.length > 8 ? ` … (${seqs.length})` : ''}`;
    if (missing.length) problems.push(`missed seq ${show(missing)}`);
    if (twice.length) problems.push(`got seq ${show(twice)} more than once`);
    if (unknown.length) problems.push(`got seq ${show(unknown)} that are not committed events after its cursor`);
    if (outOfOrder > 0) problems.push(`got seq ${consumer.received[outOfOrder]} after ${consumer.received[outOfOrder - 1]}`);
    for (const problem of problems) {
      const first = bySeq.get(missing[0] ?? twice[0] ?? -1);
      violations.push({ invariant: 4, orderId: first?.orderId, message: `${consumer.name} (${consumer.resumes} resumes): ${problem}` });
    }
  }
  return violations;
}

export interface Windows {
  /** UNKNOWN or SUBMITTING this long after it was stored. */
  unknown: number;
  /** A collection still open this long past its expiry. */
  expiryGrace: number;
  /** A payout still open this long after it was stored. */
  payoutProcessing: number;
}

/** 5. No order sits unsettled past its window without needsAttention. */
export function checkStuckOrders(orders: readonly GatewayOrder[], windows: Windows, now: number): Violation[] {
  const violations: Violation[] = [];
  for (const order of orders) {
    if (SETTLED.has(order.status) || flagged(order)) continue;
    const created = order.createdAt.getTime();
    let due: number;
    if (order.status === 'UNKNOWN' || order.status === 'SUBMITTING') due = created + windows.unknown;
    else if (order.kind === 'COLLECTION') due = order.expiresAt ? order.expiresAt.getTime() + windows.expiryGrace : Number.POSITIVE_INFINITY;
    else due = created + windows.payoutProcessing;
    if (now > due) {
      violations.push({
        invariant: 5,
        merchantOrderNo: order.merchantOrderNo,
        orderId: order.id,
        message: `${order.kind} ${order.status} ${Math.round((now - due) / 1000)} s past its window, not flagged`,
      });
    }
  }
  return violations;
}

/**
 * 6. The webhook endpoint got every event committed after it was registered (up to `lastSeq`): each
 * verified with its secret, each under one webhook-id across its re-sends, and the first receipt of
 * each in commit order with none skipped (at least once allows re-sends; they never go ahead).
 */
export function checkWebhooks(record: WebhookRecord, events: readonly StoredEvent[], lastSeq: number): Violation[] {
  const violations: Violation[] = [];
  const bySeq = new Map(events.map((event) => [event.seq, event]));
  const violation = (message: string, seq?: number) =>
    violations.push({ invariant: 6, orderId: seq === undefined ? undefined : bySeq.get(seq)?.orderId, message });
  if (record.badSignatures > 0) violation(`${record.badSignatures} deliveries did not verify with the endpoint's secret`);
  let expected = record.firstSeq + 1;
  const firsts = new Set<number>();
  for (const seq of record.received) {
    if (seq > lastSeq || firsts.has(seq)) continue;
    if (seq !== expected) {
      violation(`got seq ${seq} first when seq ${expected} was due (commit order, none skipped)`, seq);
      break;
    }
    firsts.add(seq);
    expected += 1;
  }
  if (violations.length === 0 && expected <= lastSeq) violation(`never got seq ${expected}${lastSeq > expected ? ` … ${lastSeq}` : ''}`, expected);
  for (const [seq, ids] of record.messageIds) if (ids.size > 1) violation(`seq ${seq} came under ${ids.size} webhook-ids: ${[...ids].join(', ')}`, seq);
  return violations;
}

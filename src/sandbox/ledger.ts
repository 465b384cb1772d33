import { TARSPAY_STATES } from '../tarspay/codes.js';
import type { OrderKind, SandboxOrder } from './store.js';

/**
 * What the sandbox was asked to create and what it told the merchant, per merchant order number:
 * for a test harness that checks "TarsPay stored at most one create per merchantOrderNo" and "no
 * create was sent for an order TarsPay had already confirmed". Read it at GET /sandbox/ledger.
 */

export type CreateOutcome = 'stored' | 'duplicate' | 'refused';

export interface LedgerCreate {
  at: string;
  outcome: CreateOutcome;
  /** TarsPay's error code for a refused or duplicate create. */
  code?: number;
  /** True when TarsPay had already confirmed the order to the merchant when this create arrived. */
  afterConfirmed: boolean;
}

export interface LedgerEntry {
  kind: 'COLLECTION' | 'PAYOUT';
  mchNo: string;
  mchOrderNo: string;
  creates: LedgerCreate[];
  /** The order TarsPay stored (the first stored create), with its state now and every state it was in. */
  order: {
    payOrderId: string;
    amount: string;
    wayCode: string;
    state: number;
    status: string;
    history: Array<{ state: number; status: string; at: string }>;
  } | null;
  /** When TarsPay first told the merchant about the order: a create answer written whole, or an inquiry answer reporting it. */
  confirmedAt: string | null;
  /** How it learnt it first: 'create' or 'inquiry'. */
  confirmedBy: 'create' | 'inquiry' | null;
}

interface Record_ {
  entry: LedgerEntry;
  stored?: SandboxOrder;
}

const statusOf = (state: number): string => TARSPAY_STATES[state] ?? 'UNKNOWN';

export class CreateLedger {
  readonly #records = new Map<string, Record_>();

  #record(kind: OrderKind, mchNo: string, mchOrderNo: string): Record_ {
    const key = `${kind}\u0000${mchNo}\u0000${mchOrderNo}`;
    let record = this.#records.get(key);
    if (!record) {
      const entry: LedgerEntry = {
        kind: kind === 'collection' ? 'COLLECTION' : 'PAYOUT',
        mchNo,
        mchOrderNo,
        creates: [],
        order: null,
        confirmedAt: null,
        confirmedBy: null,
      };
      record = { entry };
      this.#records.set(key, record);
    }
    return record;
  }

  /** A create was answered: `order` when it stored one, else the error code it was refused with. */
  createReceived(kind: OrderKind, mchNo: string, mchOrderNo: string, result: { order: SandboxOrder } | { code: number }, now: number): void {
    const record = this.#record(kind, mchNo, mchOrderNo);
    const afterConfirmed = record.entry.confirmedAt !== null;
    if ('order' in result) {
      record.entry.creates.push({ at: new Date(now).toISOString(), outcome: 'stored', afterConfirmed });
      record.stored ??= result.order;
      record.entry.order ??= {
        payOrderId: result.order.payOrderId,
        amount: result.order.amount.toString(),
        wayCode: result.order.wayCode,
        state: result.order.state,
        status: statusOf(result.order.state),
        history: [{ state: result.order.state, status: statusOf(result.order.state), at: new Date(now).toISOString() }],
      };
    } else {
      const outcome: CreateOutcome = result.code === 5003011 ? 'duplicate' : 'refused';
      record.entry.creates.push({ at: new Date(now).toISOString(), outcome, code: result.code, afterConfirmed });
    }
  }

  /** TarsPay told the merchant about the order (a create answer written whole, or an inquiry reporting it). */
  confirmed(order: SandboxOrder, by: 'create' | 'inquiry', now: number): void {
    const record = this.#record(order.kind, order.mchNo, order.mchOrderNo);
    if (record.entry.confirmedAt !== null) return;
    record.entry.confirmedAt = new Date(now).toISOString();
    record.entry.confirmedBy = by;
  }

  stateChanged(order: SandboxOrder, now: number): void {
    const entry = this.#record(order.kind, order.mchNo, order.mchOrderNo).entry;
    if (!entry.order || entry.order.payOrderId !== order.payOrderId) return;
    entry.order.history.push({ state: order.state, status: statusOf(order.state), at: new Date(now).toISOString() });
  }

  entries(): LedgerEntry[] {
    return [...this.#records.values()].map(({ entry, stored }) => {
      const copy = structuredClone(entry);
      if (copy.order && stored) Object.assign(copy.order, { state: stored.state, status: statusOf(stored.state) });
      return copy;
    });
  }
}

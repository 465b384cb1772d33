import type { Query } from '../db/sql.js';
import type { Logger } from '../observability/logger.js';
import { bizTypeKind } from '../tarspay/codes.js';
import { isAbsentOnWire } from '../tarspay/message.js';
import type { InquiryAnswer } from '../tarspay/types.js';
import type { OrderKind, OrderRecord } from './order-row.js';
import type { OrderStatus } from './order-status.js';
import { FINAL_STATUSES, isSettled } from './state-machine.js';

/**
 * Orders a person should look at (`needsAttention`): why, as a stable code and a message, stored
 * as `CODE: message` in `attention_reason` beside `attention_since`. The gateway never guesses an
 * outcome; it flags, logs and counts instead. The time windows are checked by reconciliation, the
 * others when they happen.
 */
export const ATTENTION_CODES = {
  /** Still UNKNOWN or SUBMITTING past ATTENTION_AFTER_MS: TarsPay has not settled the create. */
  UNRESOLVED_CREATE: 'TarsPay has not settled the create: check the order in the TarsPay merchant console',
  /** A collection not settled ATTENTION_EXPIRY_GRACE_MS after it expired. */
  PAST_EXPIRY: 'the collection is past its expiry and TarsPay has not reported how it ended',
  /** A payout still CREATED, QUEUED or PROCESSING ATTENTION_PAYOUT_PROCESSING_MS after it was created. */
  PAYOUT_STUCK: 'the payout has not settled in the expected time',
  /** TarsPay sent a verified callback for the order that could not be applied (kept as a receipt; an inquiry follows). */
  CALLBACK_NOT_APPLIED: 'TarsPay sent a verified callback that could not be applied',
  /** TarsPay holds another order under this merchantOrderNo (amount, method or kind differ): its state is never applied. */
  ADOPTION_MISMATCH: 'TarsPay holds a different order under this merchantOrderNo',
} as const;

export type AttentionCode = keyof typeof ATTENTION_CODES;

/** The code of a stored reason (`CODE: message`); undefined when the order is not flagged. */
export function attentionCode(reason: string | null | undefined): AttentionCode | undefined {
  if (!reason) return undefined;
  const code = reason.split(':', 1)[0]!;
  return code in ATTENTION_CODES ? (code as AttentionCode) : undefined;
}

/**
 * Whether an order keeps its flag once an update moved it to `status`. TarsPay settling it
 * (SUCCEEDED or final) clears every flag but an adoption mismatch, whose state is never applied
 * anyway; an unresolved create is resolved as soon as TarsPay reports any status.
 */
export function keepsAttention(reason: string | null, status: OrderStatus): boolean {
  const code = attentionCode(reason);
  if (code === 'ADOPTION_MISMATCH') return true;
  if (isSettled(status)) return false;
  if (code === 'UNRESOLVED_CREATE' || code === undefined) return status === 'UNKNOWN' || status === 'SUBMITTING';
  return true;
}

/** What TarsPay says an order under this merchantOrderNo is (an inquiry answer, a callback). */
export interface TarsPayOrderFacts {
  orderAmount?: string;
  kind?: OrderKind;
  /** wayCode for collections, bank code for payouts, when TarsPay's answer says it. */
  method?: string;
  currency?: string;
}

/**
 * Before the gateway adopts what TarsPay holds under an order's merchantOrderNo (TarsPay never
 * answered its create, e.g. "already exists"), the two must be the same order: same amount, kind,
 * method (or payout bank) and currency, as far as TarsPay's answer says them. The amount must be
 * said: without it nothing shows the order is this one. Undefined when they agree, else what differs.
 */
export function adoptionMismatch(order: Pick<OrderRecord, 'kind' | 'amount' | 'method' | 'currency'>, facts: TarsPayOrderFacts): string | undefined {
  const differs: string[] = [];
  if (facts.orderAmount === undefined) differs.push('TarsPay does not say its amount');
  else if (facts.orderAmount !== order.amount) differs.push(`amount ${order.amount} here, ${facts.orderAmount} at TarsPay`);
  if (facts.kind !== undefined && facts.kind !== order.kind) differs.push(`kind ${order.kind} here, ${facts.kind} at TarsPay`);
  if (facts.method !== undefined && facts.method !== order.method)
    differs.push(`${order.kind === 'PAYOUT' ? 'bank' : 'method'} ${order.method} here, ${facts.method} at TarsPay`);
  if (facts.currency !== undefined && facts.currency !== order.currency) differs.push(`currency ${order.currency} here, ${facts.currency} at TarsPay`);
  return differs.length ? differs.join('; ') : undefined;
}

/** The time windows past which a non-final order is flagged. */
export interface AttentionWindows {
  /** UNKNOWN or SUBMITTING this long after it was stored (ATTENTION_AFTER_MS). */
  unresolvedMs: number;
  /** A collection this long past its expiry (ATTENTION_EXPIRY_GRACE_MS). */
  expiryGraceMs: number;
  /** A payout CREATED, QUEUED or PROCESSING this long after it was stored (ATTENTION_PAYOUT_PROCESSING_MS). */
  payoutProcessingMs: number;
}

/** An order just flagged, to be announced (logged and counted) once its flag is committed. */
export interface Flagged {
  orderId: string;
  merchantOrderNo: string;
  kind: string;
  status: string;
  code: AttentionCode;
  reason: string;
}

interface FlaggedRow {
  id: string;
  merchant_order_no: string;
  kind: string;
  status: string;
  attention_reason: string;
}

/** Statuses past any window: TarsPay has settled the order. */
const SETTLED_SQL = ['SUCCEEDED', ...FINAL_STATUSES].map((status) => `'${status}'`).join(', ');
const reasonText = (code: AttentionCode, detail?: string): string => `${code}: ${detail ? `${ATTENTION_CODES[code]} (${detail})` : ATTENTION_CODES[code]}`;

export class Attention {
  constructor(
    private readonly options: {
      logger: Logger;
      windows: AttentionWindows;
      /** Every order newly flagged, by reason code (metrics). */
      onFlag?: (code: AttentionCode) => void;
    },
  ) {}

  /** Flags the order when it is past one of its windows and not flagged yet; the first window that applies names the reason. */
  async flagIfOverdue(query: Query, orderId: string): Promise<Flagged | undefined> {
    const windows = this.#windowRules('orders', 2);
    const reasons = windows.rules.map((rule, index) => `when ${rule.applies} and ${rule.endsAt} <= now() then $${2 + windows.values.length + index}`);
    const rows = await query<FlaggedRow>(
      `update orders o set attention_since = now(), attention_reason = due.reason
         from (
           select id, case ${reasons.join(' ')} end as reason
           from orders where id = $1 and attention_since is null
         ) due
        where o.id = due.id and due.reason is not null and o.attention_since is null
       returning o.id, o.merchant_order_no, o.kind, o.status, o.attention_reason`,
      [orderId, ...windows.values, ...windows.rules.map((rule) => reasonText(rule.code))],
    );
    const flagged = rows[0] && flaggedOf(rows[0]);
    if (flagged) this.announce(flagged);
    return flagged;
  }

  /**
   * When the first window that applies to the order (row `alias`) ends, as SQL: null when none
   * applies or it is flagged already. Reconciliation checks the order by then at the latest, so a
   * flag is never a back-off late. `first` is the position of the first of the values returned.
   */
  windowEndSql(alias: string, first: number): { sql: string; values: number[] } {
    const windows = this.#windowRules(alias, first);
    const ends = windows.rules.map((rule) => `case when ${alias}.attention_since is null and ${rule.applies} then ${rule.endsAt} end`);
    return { sql: `least(${ends.join(', ')})`, values: windows.values };
  }

  /** The time windows, each with the rows it applies to and when it ends; `first`: the position of the window lengths' values. */
  #windowRules(alias: string, first: number): { rules: { code: AttentionCode; applies: string; endsAt: string }[]; values: number[] } {
    const { unresolvedMs, expiryGraceMs, payoutProcessingMs } = this.options.windows;
    const after = (column: string, position: number) => `${alias}.${column} + $${position}::float8 * interval '1 millisecond'`;
    return {
      rules: [
        { code: 'UNRESOLVED_CREATE', applies: `${alias}.status in ('UNKNOWN', 'SUBMITTING')`, endsAt: after('created_at', first) },
        { code: 'PAST_EXPIRY', applies: `${alias}.kind = 'COLLECTION' and ${alias}.status not in (${SETTLED_SQL})`, endsAt: after('expires_at', first + 1) },
        {
          code: 'PAYOUT_STUCK',
          applies: `${alias}.kind = 'PAYOUT' and ${alias}.status in ('CREATED', 'QUEUED', 'PROCESSING')`,
          endsAt: after('created_at', first + 2),
        },
      ],
      values: [unresolvedMs, expiryGraceMs, payoutProcessingMs],
    };
  }

  /**
   * Flags the order for a reason that just happened (in the caller's transaction: announce() the
   * result once it commits). It replaces a time-window reason, never an adoption mismatch.
   * `checkNow`: reconciliation asks TarsPay about the order at its next pass.
   */
  async flag(query: Query, orderId: string, code: AttentionCode, detail: string, options: { checkNow?: boolean } = {}): Promise<Flagged | undefined> {
    const reason = reasonText(code, detail);
    const rows = await query<FlaggedRow>(
      `update orders set attention_since = coalesce(attention_since, now()), attention_reason = $2${options.checkNow ? ', next_check_at = now()' : ''}
        where id = $1 and attention_reason is distinct from $2 and (attention_reason is null or attention_reason not like 'ADOPTION_MISMATCH:%')
       returning id, merchant_order_no, kind, status, attention_reason`,
      [orderId, reason],
    );
    return rows[0] && flaggedOf(rows[0]);
  }

  /** Logs and counts a flag (after its commit). */
  announce(flagged: Flagged): void {
    const { orderId, merchantOrderNo, kind, status, code, reason } = flagged;
    this.options.logger.warn({ orderId, merchantOrderNo, kind, status, reason: code, detail: reason }, `order needs attention: ${reason}`);
    this.options.onFlag?.(code);
  }
}

function flaggedOf(row: FlaggedRow): Flagged {
  return {
    orderId: row.id,
    merchantOrderNo: row.merchant_order_no,
    kind: row.kind,
    status: row.status,
    code: attentionCode(row.attention_reason)!,
    reason: row.attention_reason,
  };
}

/** What an inquiry answer says about TarsPay's order: its amount and currency, and its kind and method when the answer names them. */
export function inquiryFacts(answer: InquiryAnswer): TarsPayOrderFacts {
  const raw = answer.raw;
  const method = [raw.wayCode, raw.payWay, raw.bankCode].find((value): value is string => typeof value === 'string' && value !== '');
  return {
    orderAmount: answer.orderAmount,
    currency: answer.currency,
    // A bizType that is neither kind differs from every order.
    ...(!isAbsentOnWire(raw.bizType) && { kind: bizTypeKind(raw.bizType) ?? (`bizType ${String(raw.bizType)}` as OrderKind) }),
    ...(method !== undefined && { method }),
  };
}

import type { OrderEventSource } from './order-event.entity.js';
import type { OrderStatus } from './order-status.js';
import type { OrderBeneficiary, OrderCustomer, OrderInstructions, OrderKind } from './order.entity.js';

/**
 * An order as the write paths read and return it: the `orders` row as plain data (the Order
 * entity has the same fields, so either can be passed where one is read).
 */
export interface OrderRecord {
  id: string;
  merchant: { id: string };
  kind: OrderKind;
  merchantOrderNo: string;
  platformOrderId: string | null;
  status: OrderStatus;
  amount: string;
  paidAmount: string | null;
  fee: string | null;
  currency: string;
  method: string;
  subject: string | null;
  description: string | null;
  returnUrl: string | null;
  customer: OrderCustomer | null;
  beneficiary: OrderBeneficiary | null;
  payUrl: string | null;
  payData: string | null;
  instructions: OrderInstructions | null;
  failureReason: string | null;
  upstreamCode: number | null;
  requestFingerprint: string;
  amountMismatch: boolean;
  expiresAt: Date | null;
  nextCheckAt: Date | null;
  checkAttempts: number;
  upstreamConfirmed: boolean;
  createAttempts: number;
  attentionSince: Date | null;
  attentionReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** An order event as written: `seq` is its place in the merchant's stream, in commit order. */
export interface OrderEventRecord {
  id: string;
  orderId: string;
  seq: string;
  status: OrderStatus;
  previousStatus: OrderStatus | null;
  source: OrderEventSource;
  applied: boolean;
  note: string | null;
  createdAt: Date;
}

/** Columns of `orders` in the order of OrderRecord's fields, for `select` and `returning`. */
export const ORDER_COLUMNS = `id, merchant_id, kind, merchant_order_no, platform_order_id, status, amount, paid_amount, fee, currency, method,
  subject, description, return_url, customer, beneficiary, pay_url, pay_data, instructions, failure_reason, upstream_code,
  request_fingerprint, amount_mismatch, expires_at, next_check_at, check_attempts, upstream_confirmed, create_attempts,
  attention_since, attention_reason, created_at, updated_at`;

type Row = Record<string, unknown>;

/** The ORM's pool hands timestamps over as text (the ORM hydrates its entities itself). */
function toDate(value: unknown): Date {
  return value instanceof Date ? value : new Date(value as string);
}

function toDateOrNull(value: unknown): Date | null {
  return value === null || value === undefined ? null : toDate(value);
}

function toJson<T>(value: unknown): T | null {
  return value === null || value === undefined ? null : typeof value === 'string' ? (JSON.parse(value) as T) : (value as T);
}

export function orderFromRow(row: Row): OrderRecord {
  return {
    id: row.id as string,
    merchant: { id: row.merchant_id as string },
    kind: row.kind as OrderKind,
    merchantOrderNo: row.merchant_order_no as string,
    platformOrderId: row.platform_order_id as string | null,
    status: row.status as OrderStatus,
    amount: row.amount as string,
    paidAmount: row.paid_amount as string | null,
    fee: row.fee as string | null,
    currency: row.currency as string,
    method: row.method as string,
    subject: row.subject as string | null,
    description: row.description as string | null,
    returnUrl: row.return_url as string | null,
    customer: toJson<OrderCustomer>(row.customer),
    beneficiary: toJson<OrderBeneficiary>(row.beneficiary),
    payUrl: row.pay_url as string | null,
    payData: row.pay_data as string | null,
    instructions: toJson<OrderInstructions>(row.instructions),
    failureReason: row.failure_reason as string | null,
    upstreamCode: row.upstream_code as number | null,
    requestFingerprint: row.request_fingerprint as string,
    amountMismatch: row.amount_mismatch as boolean,
    expiresAt: toDateOrNull(row.expires_at),
    nextCheckAt: toDateOrNull(row.next_check_at),
    checkAttempts: row.check_attempts as number,
    upstreamConfirmed: row.upstream_confirmed as boolean,
    createAttempts: row.create_attempts as number,
    attentionSince: toDateOrNull(row.attention_since),
    attentionReason: row.attention_reason as string | null,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

export function eventFromRow(row: Row): OrderEventRecord {
  return {
    id: String(row.event_id),
    orderId: row.event_order_id as string,
    seq: String(row.event_seq),
    status: row.event_status as OrderStatus,
    previousStatus: row.event_previous_status as OrderStatus | null,
    source: row.event_source as OrderEventSource,
    applied: row.event_applied as boolean,
    note: row.event_note as string | null,
    createdAt: toDate(row.event_created_at),
  };
}

import type { Query } from '../db/sql.js';
import { v7 as uuidv7 } from 'uuid';
import { DEFAULT_CHECK_SCHEDULE, nextCheckAt, type CheckSchedule } from './check-schedule.js';
import type { EventToWrite, OrderChanges, OrderDecision } from './order-decision.js';
import { eventFromRow, ORDER_COLUMNS, orderFromRow, type OrderEventRecord, type OrderRecord } from './order-record.js';
import type { OrderBeneficiary, OrderCustomer, OrderKind } from './order.entity.js';

/**
 * The orders' write paths in plain SQL, each one statement: store a new order with its first
 * event, or write a decision (the order's changed columns, its event) as a compare-and-set on the
 * status it was decided from. Every event takes its `seq` from its merchant's row in the same
 * statement, under that row's lock: a merchant's events are numbered in commit order.
 */

/**
 * The columns OrderChanges can set, and how. `fill`: facts that are only ever filled in, never
 * replaced, also when a concurrent write filled them first (the compare-and-set is on the status).
 */
const CHANGE_COLUMNS: Record<keyof OrderChanges, { column: string; json?: true; fill?: true }> = {
  status: { column: 'status' },
  platformOrderId: { column: 'platform_order_id', fill: true },
  upstreamConfirmed: { column: 'upstream_confirmed' },
  payUrl: { column: 'pay_url', fill: true },
  payData: { column: 'pay_data', fill: true },
  instructions: { column: 'instructions', json: true, fill: true },
  expiresAt: { column: 'expires_at' },
  paidAmount: { column: 'paid_amount' },
  fee: { column: 'fee' },
  failureReason: { column: 'failure_reason' },
  upstreamCode: { column: 'upstream_code' },
  amountMismatch: { column: 'amount_mismatch' },
  nextCheckAt: { column: 'next_check_at' },
  checkAttempts: { column: 'check_attempts' },
  attentionSince: { column: 'attention_since' },
  attentionReason: { column: 'attention_reason' },
};

const EVENT_RETURNING = `id as event_id, order_id as event_order_id, seq as event_seq, status as event_status,
  previous_status as event_previous_status, source as event_source, applied as event_applied, note as event_note, created_at as event_created_at`;

/** A CTE named `ev` that numbers and writes the event of the order row `source` returns. */
function eventInsert(source: string, first: number): string {
  return `seq as (update merchants set event_seq = event_seq + 1 where id = (select merchant_id from ${source}) returning event_seq),
  ev as (
    insert into order_events (order_id, merchant_id, seq, status, previous_status, source, applied, note, payload, created_at)
    select ${source}.id, ${source}.merchant_id, seq.event_seq, $${first}, $${first + 1}, $${first + 2}, $${first + 3}, $${first + 4}, $${first + 5}::jsonb, now()
    from ${source}, seq
    returning ${EVENT_RETURNING}
  )`;
}

function eventValues(event: EventToWrite): unknown[] {
  return [event.status, event.previousStatus, event.source, event.applied, event.note, event.payload === null ? null : JSON.stringify(event.payload)];
}

export interface NewOrder {
  merchantId: string;
  kind: OrderKind;
  merchantOrderNo: string;
  requestFingerprint: string;
  amount: string;
  method: string;
  subject?: string | null;
  description?: string | null;
  returnUrl?: string | null;
  customer: OrderCustomer | null;
  beneficiary?: OrderBeneficiary | null;
  expiresAt?: Date | null;
  /** The API token that asked for it (see OrderRequester). */
  createdByToken?: string | null;
}

export interface WrittenOrder {
  order: OrderRecord;
  event: OrderEventRecord | null;
}

/**
 * Stores an order as SUBMITTING with its first event, claiming (merchant, merchantOrderNo).
 * Null when that key is taken: the caller reads the existing order.
 */
export async function insertSubmittingOrder(
  query: Query,
  fields: NewOrder,
  note: string,
  schedule: CheckSchedule = DEFAULT_CHECK_SCHEDULE,
): Promise<WrittenOrder | null> {
  const [row] = await query(
    `with o as (
       insert into orders (id, merchant_id, kind, merchant_order_no, status, amount, currency, method, subject, description, return_url,
         customer, beneficiary, request_fingerprint, amount_mismatch, expires_at, next_check_at, check_attempts, upstream_confirmed, create_attempts,
         created_by_token)
       values ($1, $2, $3, $4, 'SUBMITTING', $5, 'IDR', $6, $7, $8, $9, $10::jsonb, $11::jsonb, $12, false, $13, $14, 0, false, 1, $21)
       on conflict (merchant_id, merchant_order_no) do nothing
       returning ${ORDER_COLUMNS}
     ), ${eventInsert('o', 15)}
     select o.*, ev.* from o left join ev on true`,
    [
      uuidv7(),
      fields.merchantId,
      fields.kind,
      fields.merchantOrderNo,
      fields.amount,
      fields.method,
      fields.subject ?? null,
      fields.description ?? null,
      fields.returnUrl ?? null,
      fields.customer === null ? null : JSON.stringify(fields.customer),
      fields.beneficiary ? JSON.stringify(fields.beneficiary) : null,
      fields.requestFingerprint,
      fields.expiresAt ?? null,
      nextCheckAt({ status: 'SUBMITTING', kind: fields.kind, expiresAt: fields.expiresAt ?? null }, Date.now(), schedule),
      ...eventValues({ status: 'SUBMITTING', previousStatus: null, source: 'API', applied: true, note, payload: null }),
      fields.createdByToken ?? null,
    ],
  );
  return row ? { order: orderFromRow(row), event: eventFromRow(row) } : null;
}

export async function readOrder(query: Query, orderId: string): Promise<OrderRecord | null> {
  const [row] = await query(`select ${ORDER_COLUMNS} from orders where id = $1`, [orderId]);
  return row ? orderFromRow(row) : null;
}

export async function readMerchantOrder(query: Query, merchantId: string, id: string): Promise<OrderRecord | null> {
  const [row] = await query(`select ${ORDER_COLUMNS} from orders where id = $1 and merchant_id = $2`, [id, merchantId]);
  return row ? orderFromRow(row) : null;
}

/** The API token that created the order, if one is known. */
export async function readOrderCreator(query: Query, orderId: string): Promise<string | null> {
  const [row] = await query<{ created_by_token: string | null }>('select created_by_token from orders where id = $1', [orderId]);
  return row?.created_by_token ?? null;
}

export async function readOrderByMerchantOrderNo(query: Query, merchantId: string, merchantOrderNo: string): Promise<OrderRecord | null> {
  const [row] = await query(`select ${ORDER_COLUMNS} from orders where merchant_id = $1 and merchant_order_no = $2`, [merchantId, merchantOrderNo]);
  return row ? orderFromRow(row) : null;
}

/**
 * Writes `decision`, made from `order` as read, if the order's status is still the one it was
 * decided from: the changed columns and the event in one statement. Null when the status moved
 * meanwhile (decide again from a fresh read). A decision with nothing to write writes nothing.
 */
export async function writeDecision(query: Query, order: OrderRecord, decision: OrderDecision): Promise<WrittenOrder | null> {
  const entries = Object.entries(decision.changes) as Array<[keyof OrderChanges, unknown]>;
  if (entries.length === 0 && !decision.event) return { order, event: null };
  const values: unknown[] = [order.id, order.status];
  const sets = entries.map(([field, value]) => {
    const { column, json, fill } = CHANGE_COLUMNS[field];
    values.push(json && value !== null ? JSON.stringify(value) : value);
    const parameter = `$${values.length}${json ? '::jsonb' : ''}`;
    return `${column} = ${fill ? `coalesce(${column}, ${parameter})` : parameter}`;
  });
  const update = `upd as (update orders set ${[...sets, 'updated_at = now()'].join(', ')} where id = $1 and status = $2 returning ${ORDER_COLUMNS})`;
  if (!decision.event) {
    const [row] = await query(`with ${update} select * from upd`, values);
    return row ? { order: orderFromRow(row), event: null } : null;
  }
  const first = values.length + 1;
  values.push(...eventValues(decision.event));
  const [row] = await query(`with ${update}, ${eventInsert('upd', first)} select upd.*, ev.* from upd left join ev on true`, values);
  return row ? { order: orderFromRow(row), event: eventFromRow(row) } : null;
}

/**
 * Counts one more create sent for `order`, as read, if no one counted one since: a compare-and-set
 * on create_attempts, and only while the order is still UNKNOWN or SUBMITTING and not known to
 * TarsPay. Its next check moves to at least `holdChecksMs` from now, past the time the create can
 * take, so no check starts while it may be on its way. The new count; null when someone else counted
 * first (then do not send).
 */
export async function countCreateAttempt(query: Query, order: Pick<OrderRecord, 'id' | 'createAttempts'>, holdChecksMs: number): Promise<number | null> {
  const [row] = await query<{ create_attempts: number }>(
    `update orders set create_attempts = create_attempts + 1, next_check_at = greatest(next_check_at, now() + $3 * interval '1 millisecond')
      where id = $1 and create_attempts = $2 and status in ('UNKNOWN', 'SUBMITTING') and not upstream_confirmed
      returning create_attempts`,
    [order.id, order.createAttempts, holdChecksMs],
  );
  return row ? row.create_attempts : null;
}

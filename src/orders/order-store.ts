import type { Query } from '../db/sql.js';
import { v7 as uuidv7 } from 'uuid';
import { DEFAULT_CHECK_SCHEDULE, nextCheckAt, type CheckSchedule } from './check-schedule.js';
import { eventColumns, unnumberedEventFromRow, type UnnumberedEvent } from './change-message.js';
import type { EventToWrite, OrderDecision } from './order-decision.js';
import {
  changeAssignments,
  insertColumns,
  ORDER_COLUMNS,
  orderFromRow,
  type OrderBeneficiary,
  type OrderCustomer,
  type OrderKind,
  type OrderRecord,
} from './order-row.js';

/**
 * The orders' write paths in plain SQL, each one statement: store a new order with its first
 * event, or write a decision (the order's changed columns, its event) as a compare-and-set on the
 * status it was decided from. Events are written unnumbered (`seq` null) and touch no merchant
 * row, so a merchant's writes never wait for one another: the event sequencer numbers them in
 * commit order once they are committed (event-sequencer.ts). Wake it after the commit.
 */

/** A CTE named `name` that writes the event (unnumbered) of the order row `source` returns. */
function eventInsert(name: string, source: string, first: number): string {
  return `${name} as (
    insert into order_events (order_id, merchant_id, status, previous_status, source, applied, note, payload, created_at)
    select ${source}.id, ${source}.merchant_id, $${first}, $${first + 1}, $${first + 2}, $${first + 3}, $${first + 4}, $${first + 5}::jsonb, now()
    from ${source}
    returning ${eventColumns()}
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
  /** Numbered once committed, by the event sequencer. */
  event: UnnumberedEvent | null;
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
  const insert = insertColumns(
    {
      id: uuidv7(),
      merchant: { id: fields.merchantId },
      kind: fields.kind,
      merchantOrderNo: fields.merchantOrderNo,
      status: 'SUBMITTING',
      amount: fields.amount,
      method: fields.method,
      subject: fields.subject ?? null,
      description: fields.description ?? null,
      returnUrl: fields.returnUrl ?? null,
      customer: fields.customer,
      beneficiary: fields.beneficiary ?? null,
      requestFingerprint: fields.requestFingerprint,
      createdByToken: fields.createdByToken ?? null,
      expiresAt: fields.expiresAt ?? null,
      nextCheckAt: nextCheckAt({ status: 'SUBMITTING', kind: fields.kind, expiresAt: fields.expiresAt ?? null }, Date.now(), schedule),
      createAttempts: 1,
    },
    1,
  );
  const [row] = await query(
    `with o as (
       insert into orders (${insert.columns}) values (${insert.parameters})
       on conflict (merchant_id, merchant_order_no) do nothing
       returning ${ORDER_COLUMNS}
     ), ${eventInsert('ev', 'o', insert.values.length + 1)}
     select o.*, ev.* from o left join ev on true`,
    [...insert.values, ...eventValues({ status: 'SUBMITTING', previousStatus: null, source: 'API', applied: true, note, payload: null })],
  );
  return row ? { order: orderFromRow(row), event: unnumberedEventFromRow(row) } : null;
}

export async function readOrder(query: Query, orderId: string): Promise<OrderRecord | null> {
  const [row] = await query(`select ${ORDER_COLUMNS} from orders where id = $1`, [orderId]);
  return row ? orderFromRow(row) : null;
}

export async function readMerchantOrder(query: Query, merchantId: string, id: string): Promise<OrderRecord | null> {
  const [row] = await query(`select ${ORDER_COLUMNS} from orders where id = $1 and merchant_id = $2`, [id, merchantId]);
  return row ? orderFromRow(row) : null;
}

export async function readOrderByMerchantOrderNo(query: Query, merchantId: string, merchantOrderNo: string): Promise<OrderRecord | null> {
  const [row] = await query(`select ${ORDER_COLUMNS} from orders where merchant_id = $1 and merchant_order_no = $2`, [merchantId, merchantOrderNo]);
  return row ? orderFromRow(row) : null;
}

/** A statement run as a CTE of the decision's write, so that it commits with it without a round trip of its own. */
export interface AlongsideWrite {
  /** `<name> as (insert …)`, its parameters numbered from `$first`. */
  cte(first: number, name: string): string;
  values: unknown[];
}

/**
 * The CTEs that write `decision` (named `upd<suffix>` and, with an event, `ev<suffix>`), their
 * parameters appended to `values`; null when the decision has nothing to write.
 */
function decisionCtes(decision: OrderDecision, values: unknown[], suffix = ''): { ctes: string[]; updated: string; event: string | null } | null {
  const { order } = decision;
  if (Object.keys(decision.changes).length === 0 && !decision.event) return null;
  values.push(order.id, order.status);
  const [id, status] = [values.length - 1, values.length];
  const sets = [...changeAssignments(decision.changes, values), 'updated_at = now()'];
  const updated = `upd${suffix}`;
  const ctes = [`${updated} as (update orders set ${sets.join(', ')} where id = $${id} and status = $${status} returning ${ORDER_COLUMNS})`];
  if (!decision.event) return { ctes, updated, event: null };
  const event = `ev${suffix}`;
  ctes.push(eventInsert(event, updated, values.length + 1));
  values.push(...eventValues(decision.event));
  return { ctes, updated, event };
}

/**
 * Writes `decision` if the order's status is still the one it was decided from: the changed
 * columns and the event (and `alongside`, when given) in one statement. Null when the status moved
 * meanwhile (decide again from a fresh read). A decision with nothing to write writes nothing.
 * `alongside` runs whether or not the compare-and-set holds: pass one only with the order locked.
 */
export async function writeDecision(query: Query, decision: OrderDecision, alongside?: AlongsideWrite): Promise<WrittenOrder | null> {
  const [written] = await writeDecisions(query, [{ decision, alongside }]);
  return written ?? null;
}

/** A decision to write, with a statement to run beside it; without a decision, the statement alone. */
export interface DecisionWrite {
  decision?: OrderDecision;
  alongside?: AlongsideWrite;
}

/**
 * Writes several decisions, each about another order, and their `alongside` statements, in one
 * statement: for each, what writeDecision writes. One result per write, in order: the order as
 * written (the order as decided on, when its decision had nothing to write), null for a write
 * without a decision or whose compare-and-set did not hold.
 */
export async function writeDecisions(query: Query, writes: readonly DecisionWrite[]): Promise<Array<WrittenOrder | null>> {
  const values: unknown[] = [];
  const ctes: string[] = [];
  const selects: string[] = [];
  const updating = new Set<number>();
  writes.forEach(({ decision, alongside }, index) => {
    const written = decision && decisionCtes(decision, values, String(index));
    if (written) {
      updating.add(index);
      ctes.push(...written.ctes);
      // Every row has the event's columns, null without an event, so that the rows can be one union.
      const [event, eventSource] = written.event
        ? [written.event, written.event]
        : [`no_ev${index}`, `(select ${eventColumns()} from order_events where false) no_ev${index}`];
      selects.push(`select ${index} as write_index, ${written.updated}.*, ${event}.* from ${written.updated} left join ${eventSource} on true`);
    }
    if (alongside) {
      const first = values.length + 1;
      values.push(...alongside.values);
      ctes.push(alongside.cte(first, `alongside${index}`));
    }
  });
  const rows =
    ctes.length === 0
      ? []
      : await query(`with ${ctes.join(', ')} ${selects.length > 0 ? selects.join(' union all ') : 'select 1 as write_index where false'}`, values);
  const byIndex = new Map(rows.map((row) => [Number(row.write_index), row]));
  return writes.map(({ decision }, index) => {
    if (!decision) return null;
    if (!updating.has(index)) return { order: decision.order, event: null }; // nothing to write
    const row = byIndex.get(index);
    return row ? { order: orderFromRow(row), event: decision.event ? unnumberedEventFromRow(row) : null } : null;
  });
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

import type { OrderEventSource } from './order-event.entity.js';
import { reviveOrderView, toOrderView, type OrderSnapshot, type OrderView } from './order-row.js';
import type { OrderStatus } from './order-status.js';

/** An order event as numbered: `seq` is its place in the merchant's stream, in commit order (see event-sequencer.ts). */
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

/** An order event as its write returns it: not numbered yet. */
export type UnnumberedEvent = Omit<OrderEventRecord, 'seq'>;

/** What the GraphQL OrderEvent type reads (a record, or an OrderEvent entity); `order` is a snapshot when the event came over pub/sub. */
export interface OrderEventView extends Omit<OrderEventRecord, 'orderId' | 'previousStatus' | 'note'> {
  previousStatus?: OrderStatus | null;
  note?: string | null;
  order: OrderView | { id: string };
}

/**
 * A change as published after commit and stored as an order event: plain JSON, so it crosses Redis
 * to every instance. The order is its public view (order-row.ts).
 */
export interface OrderChangeMessage {
  merchantId: string;
  order: OrderSnapshot;
  event: Omit<OrderEventRecord, 'orderId'>;
}

export function toChangeMessage(merchantId: string, order: OrderView, event: Omit<OrderEventView, 'order'>): OrderChangeMessage {
  return {
    merchantId,
    order: toOrderView(order),
    event: {
      id: event.id,
      seq: event.seq,
      status: event.status,
      previousStatus: event.previousStatus ?? null,
      source: event.source,
      applied: event.applied,
      note: event.note ?? null,
      createdAt: event.createdAt,
    },
  };
}

/** Dates arrive as ISO strings when the message crossed Redis. */
export function reviveChangeMessage(message: OrderChangeMessage): OrderChangeMessage {
  return {
    merchantId: message.merchantId,
    order: reviveOrderView(message.order),
    event: { ...message.event, createdAt: new Date(message.event.createdAt) },
  };
}

export function eventViewOf(message: OrderChangeMessage): OrderEventView {
  return { ...message.event, order: message.order };
}

const EVENT_FIELDS = ['id', 'order_id', 'seq', 'status', 'previous_status', 'source', 'applied', 'note', 'created_at'];

/** `order_events` columns as `event_*` (of the table aliased `alias`, if given), to sit beside an order's columns in one row. */
export function eventColumns(alias?: string): string {
  return EVENT_FIELDS.map((column) => `${alias ? `${alias}.` : ''}${column} as event_${column}`).join(', ');
}

export function eventFromRow(row: Record<string, unknown>): OrderEventRecord {
  return { ...unnumberedEventFromRow(row), seq: String(row.event_seq) };
}

/** An event as its write returns it (`seq` still null). */
export function unnumberedEventFromRow(row: Record<string, unknown>): UnnumberedEvent {
  return {
    id: String(row.event_id),
    orderId: row.event_order_id as string,
    status: row.event_status as OrderStatus,
    previousStatus: row.event_previous_status as OrderStatus | null,
    source: row.event_source as OrderEventSource,
    applied: row.event_applied as boolean,
    note: row.event_note as string | null,
    createdAt: new Date(row.event_created_at as string | Date),
  };
}

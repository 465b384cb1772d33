import type { OrderEvent } from './order-event.entity.js';
import type { Order } from './order.entity.js';

/** What the GraphQL Order type reads: an Order entity, or a snapshot of one carried by pub/sub. */
export type OrderView = Pick<
  Order,
  | 'id'
  | 'kind'
  | 'merchantOrderNo'
  | 'platformOrderId'
  | 'status'
  | 'amount'
  | 'paidAmount'
  | 'fee'
  | 'currency'
  | 'method'
  | 'payUrl'
  | 'payData'
  | 'instructions'
  | 'subject'
  | 'failureReason'
  | 'upstreamCode'
  | 'amountMismatch'
  | 'expiresAt'
  | 'attentionSince'
  | 'attentionReason'
  | 'createdAt'
  | 'updatedAt'
>;

/**
 * What a token without orders:read may see of an order it replayed (same merchantOrderNo, same
 * input): its id and status, and what it sent itself. No payment details, no TarsPay ids, no events.
 */
export function restrictedView(order: OrderView): OrderView & { restricted: true } {
  return {
    ...toOrderView(order),
    platformOrderId: null,
    paidAmount: null,
    fee: null,
    payUrl: null,
    payData: null,
    instructions: null,
    failureReason: null,
    upstreamCode: null,
    amountMismatch: false,
    expiresAt: null,
    attentionSince: null,
    attentionReason: null,
    restricted: true,
  };
}

/** What the GraphQL OrderEvent type reads; `order` is a snapshot when the event came over pub/sub. */
export interface OrderEventView extends Pick<OrderEvent, 'id' | 'seq' | 'status' | 'previousStatus' | 'source' | 'applied' | 'note' | 'createdAt'> {
  order: OrderView | { id: string };
}

/** A change as published after commit: plain JSON, so it crosses Redis to every instance. */
export interface OrderChangeMessage {
  merchantId: string;
  order: OrderView;
  event: Omit<OrderEventView, 'order'>;
}

export function toOrderView(order: OrderView): OrderView {
  return {
    id: order.id,
    kind: order.kind,
    merchantOrderNo: order.merchantOrderNo,
    platformOrderId: order.platformOrderId ?? null,
    status: order.status,
    amount: order.amount,
    paidAmount: order.paidAmount ?? null,
    fee: order.fee ?? null,
    currency: order.currency,
    method: order.method,
    payUrl: order.payUrl ?? null,
    payData: order.payData ?? null,
    instructions: order.instructions ?? null,
    subject: order.subject ?? null,
    failureReason: order.failureReason ?? null,
    upstreamCode: order.upstreamCode ?? null,
    amountMismatch: order.amountMismatch,
    expiresAt: order.expiresAt ?? null,
    attentionSince: order.attentionSince ?? null,
    attentionReason: order.attentionReason ?? null,
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
  };
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
  const date = (value: Date | string | null | undefined) => (value == null ? null : value instanceof Date ? value : new Date(value));
  return {
    merchantId: message.merchantId,
    order: {
      ...message.order,
      createdAt: date(message.order.createdAt)!,
      updatedAt: date(message.order.updatedAt)!,
      expiresAt: date(message.order.expiresAt),
      attentionSince: date(message.order.attentionSince),
    },
    event: { ...message.event, createdAt: date(message.event.createdAt)! },
  };
}

export function eventViewOf(message: OrderChangeMessage): OrderEventView {
  return { ...message.event, order: message.order };
}

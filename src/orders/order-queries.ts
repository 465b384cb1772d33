import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { CursorError } from './order-errors.js';
import type { OrderStatus } from './order-status.js';
import { OrderEvent } from './order-event.entity.js';
import type { EventWaker } from './event-sequencer.js';
import type { OrderKind } from './order-row.js';
import { Order } from './order.entity.js';

export interface OrderFilter {
  kind?: OrderKind | null;
  status?: OrderStatus[] | null;
  method?: string | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
  needsAttention?: boolean | null;
}

interface Position {
  createdAt: Date;
  id: string;
}

/** Opaque to clients: base64url of `createdAt|id`. */
export function encodeOrderCursor(order: Position): string {
  return Buffer.from(`${order.createdAt.toISOString()}|${order.id}`).toString('base64url');
}

/** The position a cursor of encodeOrderCursor names; CursorError for any other text. */
export function readOrderCursor(cursor: string): Position {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(iso ?? '');
  if (!id || Number.isNaN(createdAt.getTime()) || !/^[0-9a-f-]{36}$/.test(id)) {
    throw new CursorError('INVALID_CURSOR', cursor, 'not a cursor of this list: pass a cursor it returned');
  }
  return { createdAt, id };
}

/**
 * One page of a merchant's orders, newest first, by keyset on (createdAt, id): one statement
 * whatever the page, served by the (merchant_id, created_at desc, id desc) index.
 */
export function findOrderPage(
  em: EntityManager,
  merchantId: string,
  filter: OrderFilter,
  page: { after?: Position | null; before?: Position | null; limit: number; inverted: boolean },
): Promise<Order[]> {
  const where: FilterQuery<Order>[] = [{ merchant: merchantId }];
  if (filter.kind) where.push({ kind: filter.kind });
  if (filter.status?.length) where.push({ status: { $in: filter.status } });
  if (filter.method) where.push({ method: filter.method });
  if (filter.createdAfter) where.push({ createdAt: { $gte: filter.createdAfter } });
  if (filter.createdBefore) where.push({ createdAt: { $lt: filter.createdBefore } });
  // attentionSince is cleared when TarsPay settles the order (keepsAttention, attention.ts).
  if (typeof filter.needsAttention === 'boolean') where.push({ attentionSince: filter.needsAttention ? { $ne: null } : null });
  if (page.after) where.push(olderThan(page.after));
  if (page.before) where.push(newerThan(page.before));
  const direction = page.inverted ? 'asc' : 'desc';
  return em.find(Order, { $and: where }, { orderBy: [{ createdAt: direction }, { id: direction }], limit: page.limit });
}

function olderThan(position: Position): FilterQuery<Order> {
  return { $or: [{ createdAt: { $lt: position.createdAt } }, { createdAt: position.createdAt, id: { $lt: position.id } }] };
}

function newerThan(position: Position): FilterQuery<Order> {
  return { $or: [{ createdAt: { $gt: position.createdAt } }, { createdAt: position.createdAt, id: { $gt: position.id } }] };
}

export type NumberedOrderEvent = OrderEvent & { seq: string };

/**
 * Events of many orders in one statement, oldest first, grouped per order id. An event is numbered
 * moments after its commit (event-sequencer.ts) and has no cursor until then: when some are not
 * numbered yet, their merchants' passes are waited for and the events read again, so that the
 * history never lacks an event whose order change the caller may already have read.
 */
export async function findEventsByOrderIds(em: EntityManager, orderIds: readonly string[], sequencer: EventWaker): Promise<NumberedOrderEvent[][]> {
  const find = (refresh: boolean) => em.find(OrderEvent, { order: { $in: [...orderIds] } }, { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], refresh });
  let events = await find(false);
  const unnumbered = new Set(events.filter((event) => event.seq == null).map((event) => event.merchant.id));
  if (unnumbered.size) {
    await Promise.all([...unnumbered].map((merchantId) => sequencer.wake(merchantId)));
    events = await find(true);
  }
  const byOrder = new Map<string, NumberedOrderEvent[]>(orderIds.map((id) => [id, []]));
  // One still unnumbered (its pass failed) is left out: the next read has it.
  for (const event of events) if (event.seq != null) byOrder.get(event.order.id)?.push(event as NumberedOrderEvent);
  return orderIds.map((id) => byOrder.get(id) ?? []);
}

/** Orders by id, limited to one merchant: ids of other merchants' orders come back as null. */
export async function findMerchantOrdersByIds(em: EntityManager, merchantId: string, ids: readonly string[]): Promise<(Order | null)[]> {
  const valid = ids.filter((id) => /^[0-9a-f-]{36}$/i.test(id));
  const orders = valid.length ? await em.find(Order, { id: { $in: valid }, merchant: merchantId }) : [];
  const byId = new Map(orders.map((order) => [order.id, order]));
  return ids.map((id) => byId.get(id) ?? null);
}

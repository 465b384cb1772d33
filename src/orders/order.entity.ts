import { defineEntity, type InferEntity } from '@mikro-orm/core';
import type { OrderStatus } from './order-status.js';
import { v7 as uuidv7 } from 'uuid';
import { Merchant } from '../merchants/merchant.entity.js';

export const ORDER_KINDS = ['COLLECTION', 'PAYOUT'] as const;
export type OrderKind = (typeof ORDER_KINDS)[number];

/** Who pays (collections) or who is paid (payouts), as TarsPay wants them. */
export interface OrderCustomer {
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  accountNumber?: string | null;
}

/** The bank account a payout goes to. */
export interface OrderBeneficiary {
  accountNumber: string;
  accountName: string;
  address?: string | null;
}

/** Extra fields of TarsPay's answer worth keeping: VA number, typeBank, payWays… */
export type OrderInstructions = Record<string, unknown>;

/**
 * A collection or payout, one per (merchant, merchantOrderNo). Amounts are whole rupiah as
 * decimal strings (`bigint` columns), never JS numbers.
 */
export const Order = defineEntity({
  name: 'Order',
  tableName: 'orders',
  properties: (p) => ({
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    merchant: p.manyToOne(Merchant),
    kind: p.text().$type<OrderKind>(),
    merchantOrderNo: p.text(),
    /** TarsPay's payOrderId, once TarsPay has answered. */
    platformOrderId: p.text().nullable(),
    status: p.text().$type<OrderStatus>(),
    amount: p.bigint('string'),
    paidAmount: p.bigint('string').nullable(),
    /** TarsPay's fee as it reported it, exact decimal text ("1050.50"): informational, never computed with. */
    fee: p.text().nullable(),
    currency: p
      .text()
      .default('IDR')
      .onCreate(() => 'IDR'),
    /** wayCode for collections, payout bank code for payouts. */
    method: p.text(),
    subject: p.text().nullable(),
    description: p.text().nullable(),
    returnUrl: p.text().nullable(),
    customer: p.json<OrderCustomer>().nullable(),
    beneficiary: p.json<OrderBeneficiary>().nullable(),
    payUrl: p.text().nullable(),
    payData: p.text().nullable(),
    instructions: p.json<OrderInstructions>().nullable(),
    failureReason: p.text().nullable(),
    upstreamCode: p.integer().nullable(),
    /** Hash of the creating input: the same merchantOrderNo with another input is an idempotency conflict. */
    requestFingerprint: p.text(),
    /** The API token that created the order: an idempotent replay answers it (or a token with orders:read) only. */
    createdByToken: p.uuid().nullable(),
    /** TarsPay reported a paid amount different from the order's amount. */
    amountMismatch: p
      .boolean()
      .default(false)
      .onCreate(() => false),
    expiresAt: p.datetime().nullable(),
    /** TarsPay proved it holds this order (an answer naming it, or "already exists" to a re-sent create). */
    upstreamConfirmed: p
      .boolean()
      .default(false)
      .onCreate(() => false),
    /** Creates sent to TarsPay for this order: the first, plus identical re-sends by reconciliation. */
    createAttempts: p
      .integer()
      .default(0)
      .onCreate(() => 0),
    /** Since when a person should look at the order (see orders/attention.ts); null when not flagged. */
    attentionSince: p.datetime().nullable(),
    /** Why, as `CODE: message` (codes in orders/attention.ts); null when not flagged. */
    attentionReason: p.text().nullable(),
    /** When reconciliation should next ask TarsPay about this order (null: nothing to check). */
    nextCheckAt: p.datetime().nullable(),
    checkAttempts: p
      .integer()
      .default(0)
      .onCreate(() => 0),
    createdAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  }),
  uniques: [
    { name: 'orders_merchant_id_merchant_order_no_unique', properties: ['merchant', 'merchantOrderNo'] },
    // NULLs are distinct in a UNIQUE constraint: orders TarsPay has not answered yet do not collide.
    { name: 'orders_merchant_id_platform_order_id_unique', properties: ['merchant', 'platformOrderId'] },
  ],
  indexes: [
    // `orders` lists newest first with a (createdAt, id) cursor.
    {
      name: 'orders_merchant_id_created_at_id_index',
      expression: 'create index "orders_merchant_id_created_at_id_index" on "orders" ("merchant_id", "created_at" desc, "id" desc)',
    },
    // Reconciliation picks orders by status whose next check is due.
    { name: 'orders_status_next_check_at_index', properties: ['status', 'nextCheckAt'] },
  ],
});
export interface Order extends InferEntity<typeof Order> {}

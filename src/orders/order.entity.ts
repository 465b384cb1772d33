import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { ORDER_PROPERTIES } from './order-row.js';

/**
 * A collection or payout, one per (merchant, merchantOrderNo). Amounts are whole rupiah as
 * decimal strings (`bigint` columns), never JS numbers. Its properties are the orders row as
 * declared in order-row.ts; the entity serves migrations, the CLI and the cold reads.
 */
export const Order = defineEntity({
  name: 'Order',
  tableName: 'orders',
  properties: ORDER_PROPERTIES,
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

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sql } from '../../src/db/sql.js';
import { upsertMerchant } from '../../src/merchants/merchant.service.js';
import { reviveChangeMessage, toChangeMessage } from '../../src/orders/change-message.js';
import { ORDER_COLUMNS, ORDER_ROW, restrictedView, toOrderView } from '../../src/orders/order-row.js';
import { insertSubmittingOrder, readOrder } from '../../src/orders/order-store.js';
import { Order } from '../../src/orders/order.entity.js';
import { generateKeyPair } from '../../src/tarspay/signer.js';
import { createTestOrm, type TestOrm } from '../helpers/database.js';

/** The orders row is declared once (order-row.ts): the entity, the SQL and the views must agree with it and with each other. */
let db: TestOrm;
let sql: Sql;
let merchantId: string;

beforeAll(async () => {
  db = await createTestOrm();
  sql = new Sql(db.orm);
  const merchant = await upsertMerchant(db.orm.em.fork(), db.keyRing, {
    mchNo: 'M-ROW',
    privateKeyHex: generateKeyPair().privateKey,
    platformPublicKey: generateKeyPair().publicKey,
  });
  merchantId = merchant.id;
});
afterAll(async () => {
  await sql?.close();
  await db?.close();
});

async function storedOrder(merchantOrderNo: string) {
  const written = await insertSubmittingOrder(
    sql.query,
    {
      merchantId,
      kind: 'COLLECTION',
      merchantOrderNo,
      requestFingerprint: 'f',
      amount: '150000',
      method: 'QRIS',
      subject: 'Tea',
      customer: { name: 'Budi', email: null },
      createdByToken: null,
    },
    'stored',
  );
  return written!.order;
}

describe('the orders row', () => {
  it("has the entity's properties, each on the column the ORM maps it to, and nothing else", () => {
    const meta = db.orm.getMetadata().get('Order');
    const ormColumns = meta.props.filter((prop) => prop.persist !== false && prop.fieldNames?.length).map((prop) => [prop.name, prop.fieldNames[0]]);
    const columns = ORDER_COLUMNS.split(', ').map((column) => column.trim());
    expect(ormColumns.map(([name]) => name)).toEqual(Object.keys(ORDER_ROW));
    expect(ormColumns.map(([, column]) => column)).toEqual(columns);
  });

  it('reads back, through plain SQL, what the entity reads', async () => {
    const stored = await storedOrder('ROW-1');
    const entity = await db.orm.em.fork().findOneOrFail(Order, stored.id);
    const record = (await readOrder(sql.query, stored.id))!;
    expect(record).toEqual(stored);
    for (const name of Object.keys(ORDER_ROW) as Array<keyof typeof ORDER_ROW>) {
      if (name === 'merchant') expect(record.merchant.id).toBe(entity.merchant.id);
      else expect([name, record[name]]).toEqual([name, entity[name] ?? null]);
    }
    expect(record).toMatchObject({ currency: 'IDR', amountMismatch: false, createAttempts: 1, checkAttempts: 0, customer: { name: 'Budi', email: null } });
  });

  it('shows the same view of a record and of its entity, which a change message carries across JSON unchanged', async () => {
    const stored = await storedOrder('ROW-2');
    const entity = await db.orm.em.fork().findOneOrFail(Order, stored.id);
    expect(toOrderView(entity)).toEqual(toOrderView(stored));
    const event = {
      id: '1',
      seq: '1',
      status: 'SUBMITTING' as const,
      previousStatus: null,
      source: 'API' as const,
      applied: true,
      note: null,
      createdAt: new Date(),
    };
    const message = toChangeMessage(merchantId, stored, event);
    expect(reviveChangeMessage(JSON.parse(JSON.stringify(message)) as typeof message)).toEqual(message);
    expect(Object.keys(message.order)).not.toContain('requestFingerprint');
  });

  it('hides payment details, TarsPay ids and the attention flag from a restricted view, and keeps what the caller sent', async () => {
    const stored = { ...(await storedOrder('ROW-3')), platformOrderId: 'P-1', payUrl: 'https://pay', attentionSince: new Date(), attentionReason: 'X: y' };
    const view = restrictedView(stored);
    expect(view).toMatchObject({ id: stored.id, status: 'SUBMITTING', amount: '150000', merchantOrderNo: 'ROW-3', subject: 'Tea', restricted: true });
    expect(view).toMatchObject({ platformOrderId: null, payUrl: null, attentionSince: null, attentionReason: null, amountMismatch: false });
  });
});

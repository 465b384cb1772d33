import { inspect } from 'node:util';
import { UniqueConstraintViolationException, wrap } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallbackReceipt } from '../../src/callbacks/callback-receipt.entity.js';
import { Merchant } from '../../src/merchants/merchant.entity.js';
import { openPrivateKey } from '../../src/merchants/merchant-keys.js';
import { findMerchantByMchNo, upsertMerchant } from '../../src/merchants/merchant.service.js';
import { OrderEvent } from '../../src/orders/order-event.entity.js';
import { Order } from '../../src/orders/order.entity.js';
import { generateKeyPair, PrivateKey } from '../../src/tarspay/signer.js';
import { createTestOrm, type TestOrm } from '../helpers/database.js';

let db: TestOrm;
let merchantA: Merchant;
let merchantB: Merchant;
let orderCounter = 0;

beforeAll(async () => {
  db = await createTestOrm();
  const em = db.orm.em.fork();
  merchantA = await upsertMerchant(em, db.keyRing, {
    mchNo: 'M-A',
    privateKeyHex: generateKeyPair().privateKey,
    platformPublicKey: generateKeyPair().publicKey,
  });
  merchantB = await upsertMerchant(em, db.keyRing, {
    mchNo: 'M-B',
    privateKeyHex: generateKeyPair().privateKey,
    platformPublicKey: generateKeyPair().publicKey,
    notifyUrl: 'https://b.example/notify',
  });
});
afterAll(() => db?.close());

function newOrder(merchant: Merchant, fields: Partial<Pick<Order, 'merchantOrderNo' | 'platformOrderId' | 'amount'>> = {}) {
  const em = db.orm.em.fork();
  orderCounter += 1;
  return {
    em,
    order: em.create(Order, {
      merchant: em.getReference(Merchant, merchant.id),
      kind: 'COLLECTION',
      merchantOrderNo: fields.merchantOrderNo ?? `ORD-${orderCounter}`,
      platformOrderId: fields.platformOrderId ?? null,
      status: 'SUBMITTING',
      amount: fields.amount ?? '150000',
      method: 'QRIS',
      requestFingerprint: `fp-${orderCounter}`,
    }),
  };
}

describe('Merchant', () => {
  it('derives the public key and finds the merchant by mchNo', async () => {
    const em = db.orm.em.fork();
    const privateKeyHex = generateKeyPair().privateKey;
    const created = await upsertMerchant(em, db.keyRing, { mchNo: 'M-C', privateKeyHex, platformPublicKey: generateKeyPair().publicKey });
    expect(created.publicKey).toBe(PrivateKey.fromHex(privateKeyHex).publicKeyHex);

    const found = await findMerchantByMchNo(db.orm.em.fork(), 'M-C');
    expect(found?.id).toBe(created.id);
    expect(found?.privateKeyEncrypted).toMatch(new RegExp(`^v1:${db.keyRing.currentKeyId}:`));
    expect(found?.keyEncryptionKeyId).toBe(db.keyRing.currentKeyId);
    expect(found?.keyVersion).toBe(1);
    expect(openPrivateKey(db.keyRing, found!).revealHex()).toBe(privateKeyHex);
    expect(found?.notifyUrl).toBeNull();
    expect(await findMerchantByMchNo(db.orm.em.fork(), 'M-nope')).toBeNull();
  });

  it('updates keys on a second upsert of the same mchNo', async () => {
    const newKey = generateKeyPair();
    const updated = await upsertMerchant(db.orm.em.fork(), db.keyRing, {
      mchNo: 'M-B',
      privateKeyHex: newKey.privateKey,
      platformPublicKey: generateKeyPair().publicKey,
    });
    expect(updated.id).toBe(merchantB.id);
    expect(updated.publicKey).toBe(newKey.publicKey);
    expect(updated.keyVersion).toBe(merchantB.keyVersion + 1);
    expect(openPrivateKey(db.keyRing, updated).revealHex()).toBe(newKey.privateKey);
    expect(updated.notifyUrl).toBe('https://b.example/notify'); // left alone when not given
  });

  it('rejects a malformed private key or platform key with a message saying what is wrong', async () => {
    await expect(
      upsertMerchant(db.orm.em.fork(), db.keyRing, { mchNo: 'M-X', privateKeyHex: 'abc', platformPublicKey: generateKeyPair().publicKey }),
    ).rejects.toThrow(/64 hex characters/);
    await expect(
      upsertMerchant(db.orm.em.fork(), db.keyRing, { mchNo: 'M-X', privateKeyHex: generateKeyPair().privateKey, platformPublicKey: 'zz' }),
    ).rejects.toThrow(/compressed secp256k1/);
  });

  it('never shows its private key in JSON or util.inspect', async () => {
    const merchant = await findMerchantByMchNo(db.orm.em.fork(), 'M-A');
    const secrets = [openPrivateKey(db.keyRing, merchant!).revealHex(), merchant!.privateKeyEncrypted];
    for (const secret of secrets) {
      expect(JSON.stringify(merchant)).not.toContain(secret);
      expect(JSON.stringify(wrap(merchant!).toObject())).not.toContain(secret);
      expect(inspect(merchant, { depth: 5 })).not.toContain(secret);
    }
    expect(inspect(merchant)).toContain('M-A');
  });
});

describe('Order', () => {
  it('round-trips every field; amounts stay strings', async () => {
    const { em, order } = newOrder(merchantA, { amount: '50000000000' });
    order.paidAmount = '49999999999';
    order.fee = '0';
    order.customer = { name: 'Budi', email: 'budi@example.id', phone: '+6281234567890', accountNumber: null };
    order.instructions = { vaNumber: '8808123456789', typeBank: 'BCA', payWays: ['ATM', 'MBANKING'] };
    order.expiresAt = new Date('2030-01-02T03:04:05.678Z');
    await em.flush();
    // Defaults are in place before and after the insert.
    expect(order.currency).toBe('IDR');
    expect(order.amountMismatch).toBe(false);
    expect(order.checkAttempts).toBe(0);
    expect(order.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    const loaded = await db.orm.em.fork().findOneOrFail(Order, order.id);
    expect(loaded.amount).toBe('50000000000');
    expect(typeof loaded.amount).toBe('string');
    expect(loaded.paidAmount).toBe('49999999999');
    expect(loaded.fee).toBe('0');
    expect(loaded.currency).toBe('IDR');
    expect(loaded.customer).toEqual(order.customer);
    expect(loaded.instructions).toEqual(order.instructions);
    expect(loaded.beneficiary).toBeNull();
    expect(loaded.expiresAt?.toISOString()).toBe('2030-01-02T03:04:05.678Z');
    expect(loaded.createdAt).toBeInstanceOf(Date);
    expect(loaded.merchant.id).toBe(merchantA.id);
  });

  it('stores amounts beyond 2^53 exactly', async () => {
    const { em, order } = newOrder(merchantA, { amount: '9007199254740993' });
    await em.flush();
    const loaded = await db.orm.em.fork().findOneOrFail(Order, order.id);
    expect(loaded.amount).toBe('9007199254740993');
  });

  it('rejects a second order with the same merchantOrderNo for one merchant, not across merchants', async () => {
    const first = newOrder(merchantA, { merchantOrderNo: 'SAME-1' });
    await first.em.flush();
    const other = newOrder(merchantB, { merchantOrderNo: 'SAME-1' });
    await other.em.flush();
    const duplicate = newOrder(merchantA, { merchantOrderNo: 'SAME-1' });
    await expect(duplicate.em.flush()).rejects.toBeInstanceOf(UniqueConstraintViolationException);
  });

  it('rejects a duplicate platformOrderId per merchant but allows many nulls', async () => {
    for (const no of ['P-1', 'P-2']) await newOrder(merchantA, { merchantOrderNo: no }).em.flush();
    await newOrder(merchantA, { merchantOrderNo: 'P-3', platformOrderId: 'TP-1' }).em.flush();
    await newOrder(merchantB, { merchantOrderNo: 'P-3', platformOrderId: 'TP-1' }).em.flush();
    const duplicate = newOrder(merchantA, { merchantOrderNo: 'P-4', platformOrderId: 'TP-1' });
    await expect(duplicate.em.flush()).rejects.toBeInstanceOf(UniqueConstraintViolationException);
  });

  it('bumps updatedAt on change', async () => {
    const { em, order } = newOrder(merchantA);
    await em.flush();
    const before = order.updatedAt.getTime();
    await new Promise((resolve) => setTimeout(resolve, 5));
    order.status = 'CREATED';
    await em.flush();
    expect(order.updatedAt.getTime()).toBeGreaterThan(before);
  });
});

describe('OrderEvent and CallbackReceipt', () => {
  it('events get increasing string ids and come back in id order', async () => {
    const { em, order } = newOrder(merchantA);
    const statuses = ['SUBMITTING', 'CREATED', 'PROCESSING', 'SUCCEEDED'] as const;
    for (const [index, status] of statuses.entries()) {
      em.create(OrderEvent, {
        order,
        merchant: merchantA,
        seq: String(index + 1),
        status,
        previousStatus: index === 0 ? null : statuses[index - 1]!,
        source: index === 3 ? 'CALLBACK' : 'API',
        applied: true,
        payload: index === 3 ? { state: 2, amount: '150000' } : null,
      });
      await em.flush();
    }
    em.create(OrderEvent, {
      order,
      merchant: merchantA,
      seq: '5',
      status: 'PROCESSING',
      previousStatus: 'SUCCEEDED',
      source: 'CALLBACK',
      applied: false,
      note: 'would move backwards',
    });
    await em.flush();

    const events = await db.orm.em.fork().find(OrderEvent, { order: order.id }, { orderBy: { id: 'asc' } });
    expect(events.map((event) => event.status)).toEqual([...statuses, 'PROCESSING']);
    expect(events.every((event) => typeof event.id === 'string')).toBe(true);
    const ids = events.map((event) => BigInt(event.id));
    expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
    expect(events[3]!.payload).toEqual({ state: 2, amount: '150000' });
    expect(events[4]!.applied).toBe(false);
  });

  it('a callback receipt may name no merchant and no order', async () => {
    const em = db.orm.em.fork();
    const receipt = em.create(CallbackReceipt, {
      rawBody: '{"mchNo":"who?"}',
      mchNo: 'who?',
      signature: null,
      verified: false,
      outcome: 'BAD_SIGNATURE',
      contentHash: 'f'.repeat(64),
    });
    await em.flush();
    const loaded = await db.orm.em.fork().findOneOrFail(CallbackReceipt, receipt.id);
    expect(loaded.merchant).toBeNull();
    expect(loaded.order).toBeNull();
    expect(loaded.outcome).toBe('BAD_SIGNATURE');
    expect(typeof loaded.id).toBe('string');
  });
});

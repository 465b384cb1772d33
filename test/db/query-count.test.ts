import { afterAll, beforeAll, expect, it } from 'vitest';
import { Merchant } from '../../src/merchants/merchant.entity.js';
import { generateKeyPair } from '../../src/tarspay/signer.js';
import { createTestOrm, type TestOrm } from '../helpers/database.js';

const statements: string[] = [];
let db: TestOrm;

beforeAll(async () => {
  db = await createTestOrm({ onQuery: (sql) => statements.push(sql) });
});
afterAll(() => db?.close());

it('onQuery sees every statement, with placeholders instead of values', async () => {
  statements.length = 0;
  const em = db.orm.em.fork();
  const privateKeyEncrypted = db.keyRing.encrypt(generateKeyPair().privateKey, 'query-count');
  em.create(Merchant, {
    mchNo: 'Q-1',
    publicKey: 'pub',
    privateKeyEncrypted,
    keyEncryptionKeyId: db.keyRing.currentKeyId,
    platformPublicKey: 'plat',
    notifyUrl: null,
  });
  await em.flush(); // begin, insert, commit
  await em.fork().find(Merchant, {}); // select
  await em.fork().count(Merchant); // select count

  expect(statements).toHaveLength(5);
  expect(statements[0]).toMatch(/^begin/i);
  expect(statements[1]).toMatch(/^insert into "merchants"/);
  expect(statements[2]).toMatch(/^commit/i);
  expect(statements[3]).toMatch(/^select .* from "merchants"/);
  expect(statements[4]).toMatch(/^select count/);
  expect(statements.join('\n')).not.toContain(privateKeyEncrypted);
});

it('counts nothing for work served from the identity map', async () => {
  const em = db.orm.em.fork();
  const [merchant] = await em.find(Merchant, {});
  statements.length = 0;
  await em.findOne(Merchant, merchant!.id);
  expect(statements).toEqual([]);
});

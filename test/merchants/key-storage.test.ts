import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { initOrm, migrateUp } from '../../src/db/orm.js';
import { KeyRing, keyIdOf } from '../../src/merchants/key-encryption.js';
import { openPrivateKey } from '../../src/merchants/merchant-keys.js';
import { findMerchantByMchNo } from '../../src/merchants/merchant.service.js';
import { PrivateKey } from '../../src/tarspay/signer.js';
import { createTestDatabase, dumpDatabase } from '../helpers/database.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, collectionInput } from '../helpers/operations.js';

const opened: TestGateway[] = [];
afterAll(async () => {
  for (const t of opened) await t.close();
});

/** Every spelling of a key a careless store might use. */
function spellings(key: PrivateKey): string[] {
  const hex = key.revealHex();
  const bytes = Buffer.from(hex, 'hex');
  return [hex, hex.toUpperCase(), bytes.toString('base64'), bytes.toString('base64url')];
}

function expectNoKeyIn(dump: string, keys: PrivateKey[]): void {
  for (const key of keys) {
    for (const spelling of spellings(key)) expect(dump.includes(spelling), `a private key (${spelling.length} chars) is readable in the dump`).toBe(false);
  }
}

describe('merchant private keys at rest', () => {
  it('a database dump holds no private key', async () => {
    const t = await startTestGateway();
    opened.push(t);
    const merchants = [await t.addMerchant('M-DUMP-1'), await t.addMerchant('M-DUMP-2')];
    const token = await t.token(merchants[0]!);
    const created = await t.graphql(token, COLLECTION_CREATE, { input: collectionInput() });
    expect(created.data?.collectionCreate.order.status).toBe('CREATED'); // the stored key signs

    const dump = await dumpDatabase(t.database.url);
    expect(dump).toContain('M-DUMP-1'); // the haystack is real
    for (const merchant of merchants) expect(dump).toContain(merchant.privateKeyEncrypted.slice(0, 40));
    expectNoKeyIn(
      dump,
      merchants.map((merchant) => t.privateKeyOf(merchant)),
    );
  });

  it('the migration encrypts a plain-text key left by the previous version; the gateway then signs with it', async () => {
    const database = await createTestDatabase();
    const key = PrivateKey.generate();
    const platform = PrivateKey.generate();
    const orm = await initOrm({ clientUrl: database.url, poolMax: 2 });
    try {
      const [initial] = await orm.getMigrator().getPendingMigrations();
      await orm.getMigrator().up({ to: initial!.name });
      await orm.em
        .getConnection()
        .execute('insert into merchants (id, mch_no, public_key, private_key, platform_public_key) values (?, ?, ?, ?, ?)', [
          '0190d6a0-0000-7000-8000-000000000001',
          'M-LEGACY',
          key.publicKeyHex,
          key.revealHex(),
          platform.publicKeyHex,
        ]);
      expect(await dumpDatabase(database.url)).toContain(key.revealHex()); // the haystack: the old version's dump shows it

      // Without the key-encryption key it refuses, and changes nothing.
      await expect(migrateUp(orm)).rejects.toThrow(/1 merchant private key\(s\) are stored in plain text .*no key-encryption key.*KEY_ENCRYPTION_KEY/);
      const rows = await orm.em.getConnection().execute<Array<{ private_key: string }>>('select private_key from merchants');
      expect(rows).toEqual([{ private_key: key.revealHex() }]);
      expect(await orm.getMigrator().getPendingMigrations()).not.toHaveLength(0);
    } finally {
      await orm.close(true);
    }

    // The next start (with a key-encryption key) migrates it.
    const kek = randomBytes(32).toString('base64');
    const t = await startTestGateway({ database, env: { KEY_ENCRYPTION_KEY: kek }, sandbox: { platformPrivateKey: platform.revealHex() } });
    opened.push(t);
    const connection = t.gateway.orm.em.getConnection();
    const columns = await connection.execute<Array<{ column_name: string }>>(
      `select column_name from information_schema.columns where table_name = 'merchants'`,
    );
    expect(columns.map((column) => column.column_name)).not.toContain('private_key');
    const merchant = (await findMerchantByMchNo(t.gateway.orm.em.fork(), 'M-LEGACY'))!;
    const keyId = keyIdOf(Buffer.from(kek, 'base64'));
    expect(merchant).toMatchObject({ keyEncryptionKeyId: keyId, keyVersion: 1, publicKey: key.publicKeyHex });
    expect(merchant.privateKeyEncrypted).toMatch(new RegExp(`^v1:${keyId}:`));
    expect(openPrivateKey(new KeyRing(Buffer.from(kek, 'base64')), merchant).revealHex()).toBe(key.revealHex());

    t.sandbox.registerMerchant({ mchNo: 'M-LEGACY', publicKey: key.publicKeyHex });
    const created = await t.graphql(await t.token(merchant), COLLECTION_CREATE, { input: collectionInput() });
    expect(created.data?.collectionCreate).toMatchObject({ order: { status: 'CREATED' }, userErrors: [] });
    expectNoKeyIn(await dumpDatabase(database.url), [key]);
  });
});

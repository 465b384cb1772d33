import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.js';
import { keyIdOf, KeyRing } from '../../src/merchants/key-encryption.js';
import { openPrivateKey } from '../../src/merchants/merchant-keys.js';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { findMerchantByMchNo, rotateMerchantKeys } from '../../src/merchants/merchant.service.js';
import { PrivateKey } from '../../src/tarspay/signer.js';
import { callbackBody, collectionCallbackFields, postCallback } from '../helpers/callbacks.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, collectionInput } from '../helpers/operations.js';
import { waitFor } from '../helpers/wait.js';

const scratch = mkdtempSync(join(tmpdir(), 'tpg-rotate-'));

/** TarsPay's platform key, which signs the sandbox's callbacks and those the tests send. */
const platformKey = PrivateKey.generate();

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({ sandbox: { platformPrivateKey: platformKey.revealHex() } });
});
afterAll(async () => {
  await t?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** `npm run cli -- …` as an operator would run it next to the gateways: same database, same KEY_ENCRYPTION_KEY. */
function cli(...args: string[]): Promise<CliRun> {
  return runCli({ DATABASE_URL: t.database.url, KEY_ENCRYPTION_KEY: t.keyEncryptionKey, DATA_DIR: scratch }, ...args);
}

async function createOn(gateway: Gateway, token: string): Promise<{ status?: string; userErrors: Array<{ code: string; message: string }> }> {
  const response = await fetch(`${gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: COLLECTION_CREATE, variables: { input: collectionInput() } }),
  });
  const body = (await response.json()) as {
    data: { collectionCreate: { order: { status: string } | null; userErrors: Array<{ code: string; message: string }> } };
  };
  return { status: body.data.collectionCreate.order?.status, userErrors: body.data.collectionCreate.userErrors };
}

describe('merchant key rotation without a restart', () => {
  it('every running instance signs with a key rotated by the CLI within 10 s', async () => {
    const peer = await t.startPeer();
    const merchant = await t.addMerchant('M-ROTATE');
    const token = await t.token(merchant);
    // Both instances have built and cached a client with the old key.
    for (const gateway of [t.gateway, peer]) expect(await createOn(gateway, token)).toMatchObject({ status: 'CREATED', userErrors: [] });

    const newKey = PrivateKey.generate();
    const keyFile = join(scratch, 'new.key');
    writeFileSync(keyFile, newKey.revealHex(), { mode: 0o600 });
    const run = await cli('merchant', 'rotate-key', '--mch-no', 'M-ROTATE', '--private-key-file', keyFile);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Public key: ${newKey.publicKeyHex}`);
    // The merchant uploads the new public key to TarsPay: from now on only the new key verifies.
    t.sandbox.registerMerchant({ mchNo: 'M-ROTATE', publicKey: newKey.publicKeyHex });

    for (const gateway of [t.gateway, peer]) {
      const accepted = await waitFor(
        async () => {
          const result = await createOn(gateway, token);
          return result.status === 'CREATED' ? result : undefined;
        },
        10_000,
        200,
      );
      expect(accepted.userErrors).toEqual([]);
    }
    const stored = (await findMerchantByMchNo(t.gateway.orm.em.fork(), 'M-ROTATE'))!;
    expect(stored).toMatchObject({ publicKey: newKey.publicKeyHex, keyVersion: 2 });
    expect(t.privateKeyOf(stored).revealHex()).toBe(newKey.revealHex());
  }, 60_000);
});

interface CreatedOrder {
  id: string;
  status: string;
  merchantOrderNo: string;
  platformOrderId: string;
  amount: string;
}

async function createOrder(gateway: Gateway, token: string): Promise<CreatedOrder> {
  const response = await fetch(`${gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: COLLECTION_CREATE, variables: { input: collectionInput() } }),
  });
  const body = (await response.json()) as { data: { collectionCreate: { order: CreatedOrder; userErrors: unknown[] } } };
  expect(body.data.collectionCreate.userErrors).toEqual([]);
  return body.data.collectionCreate.order;
}

/** TarsPay's callback that the order was paid, signed with `platformKey`. */
function paid(mchNo: string, order: CreatedOrder, platformKey: PrivateKey): Promise<{ status: number; text: string }> {
  const body = callbackBody(collectionCallbackFields(mchNo, order, 2));
  return postCallback(t.gateway.url, body, platformKey.sign(body));
}

describe('one merchant cache for signing and callbacks', () => {
  it('keys rotated through the merchant service in this process apply at once: the next signed call and the next callback use them', async () => {
    const merchant = await t.addMerchant('M-AT-ONCE');
    const token = await t.token(merchant);
    // The gateway has read (and cached) the merchant's keys for signing and for callbacks.
    const first = await createOrder(t.gateway, token);
    expect(first.status).toBe('CREATED');
    expect(await paid('M-AT-ONCE', first, platformKey)).toMatchObject({ status: 200, text: 'OK' });

    const newKey = PrivateKey.generate();
    const newPlatformKey = PrivateKey.generate();
    await rotateMerchantKeys(t.gateway.orm.em.fork(), t.gateway.keyRing, {
      mchNo: 'M-AT-ONCE',
      privateKeyHex: newKey.revealHex(),
      platformPublicKey: newPlatformKey.publicKeyHex,
    });
    // TarsPay now accepts only the new merchant key and signs only with its new platform key.
    t.sandbox.registerMerchant({ mchNo: 'M-AT-ONCE', publicKey: newKey.publicKeyHex });

    // No wait for a TTL: the very next calls.
    const second = await createOrder(t.gateway, token);
    expect(second.status).toBe('CREATED');
    expect(await paid('M-AT-ONCE', second, newPlatformKey)).toMatchObject({ status: 200, text: 'OK' });
    expect(await paid('M-AT-ONCE', second, platformKey)).toMatchObject({ status: 401 });
  });

  it('a platform key changed by another process (as the CLI does) verifies the next callback at once, without waiting for the 5 s TTL', async () => {
    const merchant = await t.addMerchant('M-ELSEWHERE');
    const token = await t.token(merchant);
    const [first, second] = [await createOrder(t.gateway, token), await createOrder(t.gateway, token)];
    expect(await paid('M-ELSEWHERE', first, platformKey)).toMatchObject({ status: 200, text: 'OK' });

    // Another process writes the row; nothing tells this one.
    const newPlatformKey = PrivateKey.generate();
    await t.gateway.orm.em
      .getConnection()
      .execute('update merchants set platform_public_key = ?, key_version = key_version + 1 where mch_no = ?', [newPlatformKey.publicKeyHex, 'M-ELSEWHERE']);
    // A key that does not verify is checked against the row at most once a second (forged callbacks cost no more).
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await paid('M-ELSEWHERE', second, newPlatformKey)).toMatchObject({ status: 200, text: 'OK' });
  });
});

describe('key-encryption key rotation', () => {
  let merchant: Merchant;
  let privateKeyHex: string;
  const oldKek = () => t.keyEncryptionKey;
  const newKek = randomBytes(32).toString('hex');

  beforeAll(async () => {
    merchant = await t.addMerchant('M-KEK');
    privateKeyHex = t.privateKeyOf(merchant).revealHex();
  });

  it('a start without the key the rows are encrypted with fails, naming that key id, and changes nothing', async () => {
    const oldId = keyIdOf(Buffer.from(oldKek(), 'hex'));
    await expect(t.startPeer({ KEY_ENCRYPTION_KEY: newKek })).rejects.toThrow(
      new RegExp(`M-KEK.* encrypted with key-encryption key ${oldId}, which this process does not have .*KEY_ENCRYPTION_KEY_PREVIOUS`),
    );
    const row = (await findMerchantByMchNo(t.gateway.orm.em.fork(), 'M-KEK'))!;
    expect(row).toMatchObject({ keyEncryptionKeyId: oldId, privateKeyEncrypted: merchant.privateKeyEncrypted });
  });

  it('a start with the new key and the old one in KEY_ENCRYPTION_KEY_PREVIOUS re-encrypts every row under the new key', async () => {
    const peer = await t.startPeer({ KEY_ENCRYPTION_KEY: newKek, KEY_ENCRYPTION_KEY_PREVIOUS: oldKek() });
    const newRing = new KeyRing(Buffer.from(newKek, 'hex'));
    const rows = await peer.orm.em
      .getConnection()
      .execute<Array<{ mch_no: string; key_encryption_key_id: string }>>('select mch_no, key_encryption_key_id from merchants');
    expect(rows.length).toBeGreaterThan(1);
    for (const row of rows) expect(row).toMatchObject({ key_encryption_key_id: newRing.currentKeyId });

    const stored = (await findMerchantByMchNo(peer.orm.em.fork(), 'M-KEK'))!;
    expect(stored.keyVersion).toBe(merchant.keyVersion); // the key itself did not change
    expect(openPrivateKey(newRing, stored).revealHex()).toBe(privateKeyHex);
    expect(() => openPrivateKey(new KeyRing(Buffer.from(oldKek(), 'hex')), stored)).toThrow(/does not have/);

    // The re-encrypted key signs: the sandbox accepts a create through the restarted instance.
    expect(await createOn(peer, await t.token(stored))).toMatchObject({ status: 'CREATED', userErrors: [] });
    // From now on the new key alone is enough.
    await t.startPeer({ KEY_ENCRYPTION_KEY: newKek });
  });
});

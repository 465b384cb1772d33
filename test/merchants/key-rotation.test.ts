import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.js';
import { keyIdOf, KeyRing } from '../../src/merchants/key-encryption.js';
import { openPrivateKey } from '../../src/merchants/merchant-keys.js';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { findMerchantByMchNo } from '../../src/merchants/merchant.service.js';
import { PrivateKey } from '../../src/tarspay/signer.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, collectionInput } from '../helpers/operations.js';
import { waitFor } from '../helpers/wait.js';

const projectDir = fileURLToPath(new URL('../../', import.meta.url));
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
const scratch = mkdtempSync(join(tmpdir(), 'tpg-rotate-'));

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** `npx tsx src/cli/main.ts …` as an operator would run it next to the gateways: same database, same KEY_ENCRYPTION_KEY. */
function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [tsxCli, 'src/cli/main.ts', ...args],
      { cwd: projectDir, env: { ...process.env, DATABASE_URL: t.database.url, KEY_ENCRYPTION_KEY: t.keyEncryptionKey, DATA_DIR: scratch }, timeout: 60_000 },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
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

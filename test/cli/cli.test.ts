import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticateToken } from '../../src/auth/tokens.js';
import { openPrivateKey } from '../../src/merchants/merchant-keys.js';
import { findMerchantByMchNo, upsertMerchant } from '../../src/merchants/merchant.service.js';
import { PrivateKey, generateKeyPair, isPublicKeyHex } from '../../src/tarspay/signer.js';
import { runCli, spawnCli, type CliRun } from '../helpers/cli.js';
import { createTestOrm, type TestOrm } from '../helpers/database.js';

const scratch = mkdtempSync(join(tmpdir(), 'tpg-cli-'));

let db: TestOrm;

/** `npm run cli -- …` against this file's database and its key-encryption key. */
function cli(...args: string[]): Promise<CliRun> {
  return cliWith({}, ...args);
}

/** DATA_DIR points nowhere useful: a command that wrongly ignored DATABASE_URL would start an empty embedded database there. */
function environment(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return { DATABASE_URL: db.url, DATA_DIR: scratch, KEY_ENCRYPTION_KEY: db.keyEncryptionKey, ...env };
}

function cliWith(env: Record<string, string | undefined>, ...args: string[]): Promise<CliRun> {
  return runCli(environment(env), ...args);
}

beforeAll(async () => {
  db = await createTestOrm();
  await upsertMerchant(db.orm.em.fork(), db.keyRing, {
    mchNo: 'M-CLI',
    privateKeyHex: generateKeyPair().privateKey,
    platformPublicKey: generateKeyPair().publicKey,
  });
});
afterAll(async () => {
  await db?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe.concurrent('cli', () => {
  it('runs as its own process (npm run cli): results on stdout, notes on stderr, the exit code', async ({ expect }) => {
    const [created, unknown] = await Promise.all([
      spawnCli(environment({}), 'token', 'create', '--merchant', 'M-CLI', '--scopes', 'orders:read', '--name', 'spawned'),
      spawnCli(environment({}), 'token', 'frobnicate'),
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toMatch(/shown only this once/);
    const auth = await authenticateToken(db.orm.em.fork(), `Bearer ${created.stdout.trim()}`);
    expect(auth?.apiToken.name).toBe('spawned');
    expect(unknown).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/unknown command "token frobnicate"/) });
  }, 120_000);

  it('keys generate prints a valid, labelled key pair and what to do with it', async ({ expect }) => {
    const run = await cli('keys', 'generate');
    expect(run.code).toBe(0);
    const privateKey = /^Private key: ([0-9a-f]{64})$/m.exec(run.stdout)?.[1];
    const publicKey = /^Public key: +(0[23][0-9a-f]{64})$/m.exec(run.stdout)?.[1];
    expect(privateKey).toBeDefined();
    expect(isPublicKeyHex(publicKey!)).toBe(true);
    expect(PrivateKey.fromHex(privateKey!).publicKeyHex).toBe(publicKey);
    expect(run.stdout).toMatch(/Upload the public key to TarsPay/);
    expect(run.stdout).toMatch(/private key secret/);
  });

  it('token create prints a token (once) that authenticates with the given scopes', async ({ expect }) => {
    const run = await cli('token', 'create', '--merchant', 'M-CLI', '--scopes', 'orders:read,collections:write', '--name', 'checkout');
    expect(run.code, run.stderr).toBe(0);
    const token = run.stdout.trim();
    expect(token).toMatch(/^tpg_[A-Za-z0-9_-]{43}$/);
    expect(run.stderr).toMatch(/shown only this once/);

    const auth = await authenticateToken(db.orm.em.fork(), `Bearer ${token}`);
    expect(auth?.merchant.mchNo).toBe('M-CLI');
    expect(auth?.scopes).toEqual(['orders:read', 'collections:write']);
    expect(auth?.apiToken.name).toBe('checkout');

    const [listed, revoked] = await Promise.all([cli('token', 'list', '--merchant', 'M-CLI'), cli('token', 'revoke', '--id', auth!.apiToken.id)]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(auth!.apiToken.id);
    expect(listed.stdout).toContain('checkout');
    expect(listed.stdout).not.toContain(token);
    expect(listed.stdout).not.toMatch(/[0-9a-f]{64}/); // no hash either
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(await authenticateToken(db.orm.em.fork(), token)).toBeNull();
  });

  it('token create --expires-in / --expires-at set an expiry that token list shows', async ({ expect }) => {
    const before = Date.now();
    const [inAnHour, atInstant] = await Promise.all([
      cli('token', 'create', '--merchant', 'M-CLI', '--scopes', 'orders:read', '--name', 'hourly', '--expires-in', '1h'),
      cli('token', 'create', '--merchant', 'M-CLI', '--scopes', 'orders:read', '--name', 'dated', '--expires-at', '2099-01-31T07:00:00+07:00'),
    ]);
    expect(inAnHour.code, inAnHour.stderr).toBe(0);
    expect(atInstant.code, atInstant.stderr).toBe(0);
    expect(inAnHour.stderr).toMatch(/expiring at \d{4}-/);
    const hourly = await authenticateToken(db.orm.em.fork(), inAnHour.stdout.trim());
    const dated = await authenticateToken(db.orm.em.fork(), atInstant.stdout.trim());
    expect(hourly!.apiToken.expiresAt!.getTime() - before).toBeGreaterThanOrEqual(3_600_000);
    expect(hourly!.apiToken.expiresAt!.getTime() - before).toBeLessThan(3_600_000 + 60_000);
    expect(dated!.apiToken.expiresAt!.toISOString()).toBe('2099-01-31T00:00:00.000Z');
    const listed = await cli('token', 'list', '--merchant', 'M-CLI');
    expect(listed.stdout).toMatch(new RegExp(`${dated!.apiToken.id}.*expires 2099-01-31T00:00:00.000Z`));
  });

  it('token create --trusted-documents-only makes a token for trusted documents only, which token list shows', async ({ expect }) => {
    const [browser, server] = await Promise.all([
      cli('token', 'create', '--merchant', 'M-CLI', '--scopes', 'collections:write', '--name', 'storefront', '--trusted-documents-only'),
      cli('token', 'create', '--merchant', 'M-CLI', '--scopes', 'collections:write', '--name', 'back-office'),
    ]);
    expect(browser.code, browser.stderr).toBe(0);
    expect(browser.stderr).toMatch(/trusted documents only: operations sent by hash, never as text/);
    expect(server.stderr).not.toMatch(/trusted documents/);
    const storefront = await authenticateToken(db.orm.em.fork(), browser.stdout.trim());
    const backOffice = await authenticateToken(db.orm.em.fork(), server.stdout.trim());
    expect(storefront!.apiToken.trustedDocumentsOnly).toBe(true);
    expect(backOffice!.apiToken.trustedDocumentsOnly).toBe(false);
    const listed = await cli('token', 'list', '--merchant', 'M-CLI');
    expect(listed.stdout).toMatch(/^ID +NAME +PURPOSE +SCOPES +DOCUMENTS +CREATED/);
    expect(listed.stdout).toMatch(new RegExp(`${storefront!.apiToken.id} +storefront +- +collections:write +trusted only `));
    expect(listed.stdout).toMatch(new RegExp(`${backOffice!.apiToken.id} +back-office +- +collections:write +any `));
  });

  it('token create refuses a bad or past expiry, and both options at once', async ({ expect }) => {
    const runs = await Promise.all([
      cli('token', 'create', '--merchant', 'M-CLI', '--scopes', 'orders:read', '--expires-in', 'soon'),
      cli('token', 'create', '--merchant', 'M-CLI', '--scopes', 'orders:read', '--expires-in', '0d'),
      cli('token', 'create', '--merchant', 'M-CLI', '--scopes', 'orders:read', '--expires-at', '2020-01-01T00:00:00Z'),
      cli('token', 'create', '--merchant', 'M-CLI', '--scopes', 'orders:read', '--expires-at', '2099-01-01T00:00'),
      cli('token', 'create', '--merchant', 'M-CLI', '--scopes', 'orders:read', '--expires-in', '1d', '--expires-at', '2099-01-01T00:00:00Z'),
    ]);
    const messages = [
      /--expires-in "soon" is not a duration/,
      /--expires-in "0d" is not a duration/,
      /is in the past/,
      /not an ISO-8601 instant with a zone/,
      /at most one of --expires-in and --expires-at/,
    ];
    runs.forEach((run, index) => {
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(messages[index]!);
    });
  });

  it('merchant add stores a merchant from a key file, deriving its public key', async ({ expect }) => {
    const keys = generateKeyPair();
    const keyFile = join(scratch, 'merchant.key');
    writeFileSync(keyFile, `${keys.privateKey}\n`);
    const platformPublicKey = generateKeyPair().publicKey;
    const run = await cli('merchant', 'add', '--mch-no', 'M-ADDED', '--private-key-file', keyFile, '--platform-public-key', platformPublicKey);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(keys.publicKey);
    expect(run.stdout).not.toContain(keys.privateKey);
    const merchant = await findMerchantByMchNo(db.orm.em.fork(), 'M-ADDED');
    expect(merchant).toMatchObject({ publicKey: keys.publicKey, platformPublicKey, keyVersion: 1, keyEncryptionKeyId: db.keyRing.currentKeyId });
    expect(merchant!.privateKeyEncrypted).not.toContain(keys.privateKey);
    expect(openPrivateKey(db.keyRing, merchant!).revealHex()).toBe(keys.privateKey);
  });

  it('an unknown merchant fails with exit 1 and lists the known ones', async ({ expect }) => {
    const run = await cli('token', 'create', '--merchant', 'M-NOPE', '--scopes', 'orders:read');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/no merchant "M-NOPE".*known merchants: .*M-CLI/);
  });

  it('usage errors exit 2 and say what is wrong', async ({ expect }) => {
    const [badScope, missing, unknownCommand, unknownOption] = await Promise.all([
      cli('token', 'create', '--merchant', 'M-CLI', '--scopes', 'orders:read,orders:write'),
      cli('token', 'create', '--scopes', 'orders:read'),
      cli('token', 'frobnicate'),
      cli('keys', 'generate', '--bits', '512'),
    ]);
    expect(badScope.code).toBe(2);
    expect(badScope.stderr).toMatch(/unknown scope "orders:write"/);
    expect(badScope.stdout).toBe('');
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringMatching(/--merchant is required/) });
    expect(unknownCommand).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command "token frobnicate"/) });
    expect(unknownOption).toMatchObject({ code: 2, stderr: expect.stringMatching(/--bits/) });
  });

  it('--help lists every command', async ({ expect }) => {
    const run = await cli('--help');
    expect(run.code).toBe(0);
    for (const command of ['keys generate', 'merchant add', 'merchant rotate-key', 'merchant list', 'token create', 'token list', 'token revoke']) {
      expect(run.stdout).toContain(command);
    }
  });
});

describe('cli merchant keys', () => {
  it('merchant rotate-key stores the new key encrypted, bumps the key version and prints only the public key', async () => {
    const em = db.orm.em.fork();
    const before = await upsertMerchant(em, db.keyRing, {
      mchNo: 'M-ROTATE',
      privateKeyHex: generateKeyPair().privateKey,
      platformPublicKey: generateKeyPair().publicKey,
    });
    const keys = generateKeyPair();
    const keyFile = join(scratch, 'rotated.key');
    writeFileSync(keyFile, `${keys.privateKey}\n`);
    const run = await cli('merchant', 'rotate-key', '--mch-no', 'M-ROTATE', '--private-key-file', keyFile);
    expect(run.code, run.stderr).toBe(0);
    expect(/^Public key: (0[23][0-9a-f]{64})$/m.exec(run.stdout)?.[1]).toBe(keys.publicKey);
    expect(run.stdout).toMatch(/Upload this public key to TarsPay/);
    expect(run.stdout).toMatch(/within 10 s/);
    expect(run.stdout).toMatch(/key version 2/);
    expect(run.stdout + run.stderr).not.toContain(keys.privateKey);
    const after = await findMerchantByMchNo(db.orm.em.fork(), 'M-ROTATE');
    expect(after).toMatchObject({ id: before.id, publicKey: keys.publicKey, platformPublicKey: before.platformPublicKey, keyVersion: 2 });
    expect(openPrivateKey(db.keyRing, after!).revealHex()).toBe(keys.privateKey);

    // The same key again changes nothing; a new platform key alone is a rotation too.
    const again = await cli('merchant', 'rotate-key', '--mch-no', 'M-ROTATE', '--private-key-file', keyFile);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/nothing changed \(key version 2\)/);
    const platformPublicKey = generateKeyPair().publicKey;
    const platform = await cli('merchant', 'rotate-key', '--mch-no', 'M-ROTATE', '--platform-public-key', platformPublicKey);
    expect(platform.code, platform.stderr).toBe(0);
    expect(await findMerchantByMchNo(db.orm.em.fork(), 'M-ROTATE')).toMatchObject({ publicKey: keys.publicKey, platformPublicKey, keyVersion: 3 });
  });

  it('merchant rotate-key --generate makes a key that never leaves the database', async () => {
    await upsertMerchant(db.orm.em.fork(), db.keyRing, {
      mchNo: 'M-GENERATE',
      privateKeyHex: generateKeyPair().privateKey,
      platformPublicKey: generateKeyPair().publicKey,
    });
    const run = await cli('merchant', 'rotate-key', '--mch-no', 'M-GENERATE', '--generate');
    expect(run.code, run.stderr).toBe(0);
    const publicKey = /^Public key: (0[23][0-9a-f]{64})$/m.exec(run.stdout)?.[1];
    const merchant = await findMerchantByMchNo(db.orm.em.fork(), 'M-GENERATE');
    expect(merchant).toMatchObject({ publicKey, keyVersion: 2 });
    const privateKey = openPrivateKey(db.keyRing, merchant!).revealHex();
    expect(run.stdout + run.stderr).not.toContain(privateKey);
    expect(run.stdout + run.stderr).not.toMatch(/\b[0-9a-f]{64}\b/);
  });

  it('merchant rotate-key refuses unclear or unknown input and changes nothing', async () => {
    const keyFile = join(scratch, 'unused.key');
    writeFileSync(keyFile, `${generateKeyPair().privateKey}\n`);
    const [nothing, both, unknown, badPlatform] = await Promise.all([
      cli('merchant', 'rotate-key', '--mch-no', 'M-CLI'),
      cli('merchant', 'rotate-key', '--mch-no', 'M-CLI', '--private-key-file', keyFile, '--generate'),
      cli('merchant', 'rotate-key', '--mch-no', 'M-NOPE', '--generate'),
      cli('merchant', 'rotate-key', '--mch-no', 'M-CLI', '--platform-public-key', 'zz'),
    ]);
    expect(nothing).toMatchObject({ code: 2, stderr: expect.stringMatching(/--private-key-file <file> or --generate/) });
    expect(both).toMatchObject({ code: 2, stderr: expect.stringMatching(/not both/) });
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringMatching(/no merchant "M-NOPE"/) });
    expect(badPlatform).toMatchObject({ code: 2, stderr: expect.stringMatching(/--platform-public-key: must be a compressed secp256k1 public key/) });
    expect(await findMerchantByMchNo(db.orm.em.fork(), 'M-CLI')).toMatchObject({ keyVersion: 1 });
  });

  it('names the flag of a private key that is no key (not a valid scalar), without a stack trace', async () => {
    const notAScalar = 'f'.repeat(64); // above the curve's order
    const keyFile = join(scratch, 'not-a-scalar.key');
    writeFileSync(keyFile, `${notAScalar}\n`);
    const platform = generateKeyPair().publicKey;
    const [inline, file, rotate] = await Promise.all([
      cli('merchant', 'add', '--mch-no', 'M-BADKEY', '--private-key', notAScalar, '--platform-public-key', platform),
      cli('merchant', 'add', '--mch-no', 'M-BADKEY', '--private-key-file', keyFile, '--platform-public-key', platform),
      cli('merchant', 'rotate-key', '--mch-no', 'M-CLI', '--private-key-file', keyFile),
    ]);
    expect(inline).toMatchObject({ code: 2, stderr: expect.stringMatching(/--private-key: private key is not a valid secp256k1 scalar/) });
    expect(file).toMatchObject({ code: 2, stderr: expect.stringContaining(`--private-key-file ${keyFile}: private key is not a valid secp256k1 scalar`) });
    expect(rotate).toMatchObject({ code: 2, stderr: expect.stringContaining(`--private-key-file ${keyFile}: private key is not a valid secp256k1 scalar`) });
    for (const run of [inline, file, rotate]) expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(await findMerchantByMchNo(db.orm.em.fork(), 'M-BADKEY')).toBeNull();
  });

  it('merchant list shows public keys and key versions, never a private key', async () => {
    const run = await cli('merchant', 'list');
    expect(run.code, run.stderr).toBe(0);
    const merchant = await findMerchantByMchNo(db.orm.em.fork(), 'M-CLI');
    const line = run.stdout.split('\n').find((row) => row.startsWith('M-CLI '));
    expect(line).toMatch(new RegExp(`^M-CLI +1 +\\S+ +${merchant!.publicKey}$`));
    expect(run.stdout).toMatch(/^MCH_NO +KEY VERSION +KEYS UPDATED +PUBLIC KEY$/m);
    expect(run.stdout).not.toContain(openPrivateKey(db.keyRing, merchant!).revealHex());
    expect(run.stdout).not.toContain(merchant!.privateKeyEncrypted);
  });

  it('refuses to work on merchants without the key-encryption key in production', async () => {
    const run = await cliWith({ NODE_ENV: 'production', KEY_ENCRYPTION_KEY: undefined }, 'merchant', 'list');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/NODE_ENV=production needs KEY_ENCRYPTION_KEY \(or KEY_ENCRYPTION_KEY_FILE\)/);
  });
});

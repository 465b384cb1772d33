import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, parseEnvironment, parseDatabaseSettings } from '../../src/config.js';
import { decodeKeyEncryptionKey, KeyEncryptionError, keyIdOf, KeyRing, privateKeyContext, sealedKeyId } from '../../src/merchants/key-encryption.js';
import { developmentKeyPath, resolveKeyRing } from '../../src/merchants/key-encryption-config.js';
import { generateKeyPair } from '../../src/tarspay/signer.js';

const scratch = mkdtempSync(join(tmpdir(), 'tpg-kek-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const secret = generateKeyPair().privateKey;
const merchantA = privateKeyContext('0190d6a0-0000-7000-8000-00000000000a');
const merchantB = privateKeyContext('0190d6a0-0000-7000-8000-00000000000b');

describe('KeyRing', () => {
  it('round-trips a private key; the sealed value names its key and holds nothing readable', () => {
    const ring = KeyRing.generate();
    const sealed = ring.encrypt(secret, merchantA);
    expect(sealed).toMatch(new RegExp(`^v1:${ring.currentKeyId}:[A-Za-z0-9+/]+=*$`));
    expect(sealed).not.toContain(secret);
    expect(Buffer.from(sealed.split(':')[2]!, 'base64').toString('hex')).not.toContain(secret);
    expect(sealedKeyId(sealed)).toBe(ring.currentKeyId);
    expect(ring.decrypt(sealed, merchantA)).toBe(secret);
    // A fresh IV each time: the same key sealed twice looks different.
    expect(ring.encrypt(secret, merchantA)).not.toBe(sealed);
  });

  it("refuses a value moved to another merchant's row (the merchant id is authenticated)", () => {
    const ring = KeyRing.generate();
    const sealed = ring.encrypt(secret, merchantA);
    expect(() => ring.decrypt(sealed, merchantB)).toThrow(KeyEncryptionError);
    expect(() => ring.decrypt(sealed, merchantB)).toThrow(/altered or belongs to another row/);
  });

  it('refuses an altered value, and one relabelled with another key id', () => {
    const ring = new KeyRing(randomBytes(32), [randomBytes(32)]);
    const sealed = ring.encrypt(secret, merchantA);
    const data = Buffer.from(sealed.split(':')[2]!, 'base64');
    data[data.length - 1]! ^= 1;
    expect(() => ring.decrypt(`v1:${ring.currentKeyId}:${data.toString('base64')}`, merchantA)).toThrow(/altered/);
    const previousId = ring.keyIds[1]!;
    expect(() => ring.decrypt(sealed.replace(ring.currentKeyId, previousId), merchantA)).toThrow(/altered/);
    expect(() => ring.decrypt('0123abcd', merchantA)).toThrow(/not an encrypted value/);
  });

  it('fails clearly, naming the key id, when the value was sealed with a key it does not have', () => {
    const old = KeyRing.generate();
    const sealed = old.encrypt(secret, merchantA);
    const other = KeyRing.generate();
    let error: unknown;
    try {
      other.decrypt(sealed, merchantA);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(KeyEncryptionError);
    expect((error as KeyEncryptionError).keyId).toBe(old.currentKeyId);
    expect((error as Error).message).toContain(`key-encryption key ${old.currentKeyId}`);
    expect((error as Error).message).toContain(other.currentKeyId);
    expect((error as Error).message).toMatch(/KEY_ENCRYPTION_KEY_PREVIOUS/);
  });

  it('decrypts with a previous key and always encrypts with the current one', () => {
    const oldKey = randomBytes(32);
    const sealedOld = new KeyRing(oldKey).encrypt(secret, merchantA);
    const ring = new KeyRing(randomBytes(32), [oldKey]);
    expect(ring.keyIds).toEqual([ring.currentKeyId, keyIdOf(oldKey)]);
    expect(ring.decrypt(sealedOld, merchantA)).toBe(secret);
    expect(sealedKeyId(ring.encrypt(secret, merchantA))).toBe(ring.currentKeyId);
  });

  it('prints key ids, never key material', () => {
    const key = randomBytes(32);
    const ring = new KeyRing(key);
    for (const text of [inspect(ring), JSON.stringify(ring), String(ring)]) {
      expect(text).toContain(ring.currentKeyId);
      expect(text).not.toContain(key.toString('hex'));
      expect(text).not.toContain(key.toString('base64'));
    }
  });
});

describe('key-encryption key configuration', () => {
  const key = randomBytes(32);

  it('takes 32 bytes as hex or base64 (standard or URL-safe); the key id is the same', () => {
    for (const text of [
      key.toString('hex'),
      key.toString('hex').toUpperCase(),
      key.toString('base64'),
      key.toString('base64url'),
      ` ${key.toString('hex')}\n`,
    ]) {
      expect(decodeKeyEncryptionKey(text)).toEqual(key);
      const config = parseEnvironment({ KEY_ENCRYPTION_KEY: text });
      expect(resolveKeyRing(config).keyRing.currentKeyId).toBe(keyIdOf(key));
    }
  });

  it('rejects a wrong length with a message naming the variable, without echoing the value', () => {
    for (const [name, bad] of [
      ['KEY_ENCRYPTION_KEY', randomBytes(16).toString('hex')],
      ['KEY_ENCRYPTION_KEY', randomBytes(31).toString('base64')],
      ['KEY_ENCRYPTION_KEY', 'not a key at all'],
      ['KEY_ENCRYPTION_KEY_PREVIOUS', `${randomBytes(32).toString('hex')},${randomBytes(33).toString('hex')}`],
    ] as const) {
      let message = '';
      try {
        parseEnvironment({ [name]: bad });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        message = (error as Error).message;
      }
      expect(message).toMatch(new RegExp(`${name}: .*must be 32 bytes as 64 hex characters or 44 base64 characters`));
      for (const part of bad.split(',')) expect(message).not.toContain(part);
    }
    expect(() => parseEnvironment({ KEY_ENCRYPTION_KEY: key.toString('hex'), KEY_ENCRYPTION_KEY_FILE: '/x' })).toThrow(/both set: set only one/);
  });

  it('reads KEY_ENCRYPTION_KEY_FILE, and names it when the file is wrong', () => {
    const good = join(scratch, 'kek');
    writeFileSync(good, `${key.toString('base64')}\n`);
    expect(resolveKeyRing(parseDatabaseSettings({ KEY_ENCRYPTION_KEY_FILE: good }))).toMatchObject({ source: 'KEY_ENCRYPTION_KEY_FILE' });
    expect(resolveKeyRing(parseDatabaseSettings({ KEY_ENCRYPTION_KEY_FILE: good })).keyRing.currentKeyId).toBe(keyIdOf(key));
    const short = join(scratch, 'short');
    writeFileSync(short, randomBytes(16).toString('hex'));
    expect(() => resolveKeyRing(parseDatabaseSettings({ KEY_ENCRYPTION_KEY_FILE: short }))).toThrow(/KEY_ENCRYPTION_KEY_FILE: .*must hold 32 bytes/);
    expect(() => resolveKeyRing(parseDatabaseSettings({ KEY_ENCRYPTION_KEY_FILE: join(scratch, 'missing') }))).toThrow(/KEY_ENCRYPTION_KEY_FILE: cannot read/);
  });

  it('adds KEY_ENCRYPTION_KEY_PREVIOUS to the ring', () => {
    const previous = [randomBytes(32), randomBytes(32)];
    const { keyRing } = resolveKeyRing(
      parseEnvironment({ KEY_ENCRYPTION_KEY: key.toString('hex'), KEY_ENCRYPTION_KEY_PREVIOUS: previous.map((k) => k.toString('base64')).join(', ') }),
    );
    expect(keyRing.keyIds).toEqual([keyIdOf(key), ...previous.map(keyIdOf)]);
  });

  it('refuses production without a key, naming the variables', () => {
    expect(() => parseEnvironment({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => parseEnvironment({ NODE_ENV: 'production' })).toThrow(/NODE_ENV=production needs KEY_ENCRYPTION_KEY \(or KEY_ENCRYPTION_KEY_FILE\)/);
    expect(() => parseDatabaseSettings({ NODE_ENV: 'production' })).toThrow(/KEY_ENCRYPTION_KEY/);
  });

  it('outside production without a key: makes one file under DATA_DIR (mode 0600) once, then reuses it', () => {
    const dataDir = join(scratch, 'data');
    const first = resolveKeyRing(parseDatabaseSettings({ NODE_ENV: 'development', DATA_DIR: dataDir }));
    const path = developmentKeyPath(dataDir);
    expect(first.source).toBe('development file');
    expect(first.notice).toMatch(/generated a development key-encryption key in .*data\/key-encryption-key/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(keyIdOf(decodeKeyEncryptionKey(readFileSync(path, 'utf8'))!)).toBe(first.keyRing.currentKeyId);
    const second = resolveKeyRing(parseDatabaseSettings({ NODE_ENV: 'test', DATA_DIR: dataDir }));
    expect(second.keyRing.currentKeyId).toBe(first.keyRing.currentKeyId);
    expect(second.notice).toMatch(/using the development key-encryption key in/);
  });
});

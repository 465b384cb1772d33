import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { checkKeyEncryption, ConfigError, type KeyEncryptionSettings } from '../config.js';
import { decodeKeyEncryptionKey, KEY_ENCRYPTION_KEY_BYTES, KEY_ENCRYPTION_KEY_FORMAT, KeyRing } from './key-encryption.js';

export interface ResolvedKeyRing {
  keyRing: KeyRing;
  /** Where the current KEK came from. */
  source: 'KEY_ENCRYPTION_KEY' | 'KEY_ENCRYPTION_KEY_FILE' | 'development file';
  /** Set when the KEK is the development file: what to tell the user at start. */
  notice?: string;
}

/** `${DATA_DIR}/key-encryption-key`: the development KEK, made on first use when none is configured. */
export function developmentKeyPath(dataDir: string): string {
  return join(dataDir, 'key-encryption-key');
}

/**
 * The key ring the configuration describes: KEY_ENCRYPTION_KEY or the file KEY_ENCRYPTION_KEY_FILE
 * names, plus KEY_ENCRYPTION_KEY_PREVIOUS. Without either, outside production, a development KEK
 * kept in `${DATA_DIR}/key-encryption-key` (created once with mode 0600, then reused).
 * Throws ConfigError naming the variable at fault.
 */
export function resolveKeyRing(settings: KeyEncryptionSettings): ResolvedKeyRing {
  checkKeyEncryption(settings);
  const { key, keyFile } = settings.keyEncryption;
  const previous = settings.keyEncryption.previous.map((text) => decodeKeyEncryptionKey(text)!);
  if (key) {
    return { keyRing: new KeyRing(decodeKeyEncryptionKey(key)!, previous), source: 'KEY_ENCRYPTION_KEY' };
  }
  if (keyFile) {
    return { keyRing: new KeyRing(readKeyFile(keyFile, 'KEY_ENCRYPTION_KEY_FILE'), previous), source: 'KEY_ENCRYPTION_KEY_FILE' };
  }
  const path = resolve(developmentKeyPath(settings.database.dataDir));
  const generated = createKeyFileOnce(path);
  const keyRing = new KeyRing(readKeyFile(path, `the development key-encryption key ${path}`), previous);
  const notice = generated
    ? `no KEY_ENCRYPTION_KEY set: generated a development key-encryption key in ${path} (mode 0600). It encrypts the merchant private keys in this database: keep it with the database, and set KEY_ENCRYPTION_KEY in production.`
    : `no KEY_ENCRYPTION_KEY set: using the development key-encryption key in ${path}.`;
  return { keyRing, source: 'development file', notice };
}

function readKeyFile(path: string, what: string): Buffer {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${what}: cannot read ${path}: ${(error as Error).message}`);
  }
  const key = decodeKeyEncryptionKey(text);
  if (!key) throw new ConfigError(`${what}: ${path} must hold ${KEY_ENCRYPTION_KEY_FORMAT}`);
  return key;
}

/**
 * Creates the file unless it exists; true if this call created it. Written to a temporary file and
 * linked into place: link fails if the name exists, so two processes starting at once agree on
 * one key and neither can read a half-written file.
 */
function createKeyFileOnce(path: string): boolean {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(temporary, `${randomBytes(KEY_ENCRYPTION_KEY_BYTES).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
    linkSync(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new ConfigError(`cannot create the development key-encryption key ${path}: ${(error as Error).message}; set KEY_ENCRYPTION_KEY instead`);
  } finally {
    rmSync(temporary, { force: true });
  }
}

import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

/**
 * Envelope encryption of merchant private keys: AES-256-GCM under a key-encryption key (KEK) that
 * lives outside the database. A sealed value names the KEK that sealed it (`v1:<keyId>:<data>`),
 * so the KEK itself can be rotated: the ring holds the current KEK and any previous ones, decrypts
 * with whichever the value names and always encrypts with the current one.
 */

export const KEY_ENCRYPTION_KEY_BYTES = 32;
const FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class KeyEncryptionError extends Error {
  override name = 'KeyEncryptionError';
  constructor(
    message: string,
    /** The key id the sealed value names, when known. */
    readonly keyId?: string,
  ) {
    super(message);
  }
}

/** How a key-encryption key is written (decodeKeyEncryptionKey reads it). */
export const KEY_ENCRYPTION_KEY_FORMAT = '32 bytes as 64 hex characters or 44 base64 characters';

/** 32 bytes from 64 hex characters or from base64 (standard or URL-safe); null when it is neither. */
export function decodeKeyEncryptionKey(text: string): Buffer | null {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
    const bytes = Buffer.from(value, 'base64');
    if (bytes.length === KEY_ENCRYPTION_KEY_BYTES) return bytes;
  }
  return null;
}

/** A KEK's public name: the first 16 hex characters of its SHA-256 (`… | xxd -r -p | sha256sum`). */
export function keyIdOf(key: Uint8Array): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** The associated data binding a merchant's sealed private key to that merchant's row. */
export function privateKeyContext(merchantId: string): string {
  return `merchants.private_key:${merchantId}`;
}

/** The key id a sealed value names; throws KeyEncryptionError when it is not a sealed value. */
export function sealedKeyId(sealed: string): string {
  return parseSealed(sealed).keyId;
}

function parseSealed(sealed: string): { keyId: string; iv: Buffer; tag: Buffer; ciphertext: Buffer } {
  const match = /^v1:([0-9a-f]{16}):([A-Za-z0-9+/]+={0,2})$/.exec(sealed);
  const data = match ? Buffer.from(match[2]!, 'base64') : Buffer.alloc(0);
  if (!match || data.length <= IV_BYTES + TAG_BYTES) {
    throw new KeyEncryptionError(`not an encrypted value (expected ${FORMAT}:<keyId>:<base64>): the row was altered or written by something else`);
  }
  return {
    keyId: match[1]!,
    iv: data.subarray(0, IV_BYTES),
    tag: data.subarray(IV_BYTES, IV_BYTES + TAG_BYTES),
    ciphertext: data.subarray(IV_BYTES + TAG_BYTES),
  };
}

/** The current KEK and any previous ones, by key id. Never prints a key: only their ids. */
export class KeyRing {
  readonly currentKeyId: string;
  readonly #keys = new Map<string, Buffer>();

  constructor(current: Uint8Array, previous: readonly Uint8Array[] = []) {
    for (const key of [current, ...previous]) {
      if (key.length !== KEY_ENCRYPTION_KEY_BYTES) {
        throw new KeyEncryptionError(`a key-encryption key must be ${KEY_ENCRYPTION_KEY_BYTES} bytes, got ${key.length}`);
      }
      const id = keyIdOf(key);
      if (!this.#keys.has(id)) this.#keys.set(id, Buffer.from(key));
    }
    this.currentKeyId = keyIdOf(current);
  }

  /** A ring with one fresh random key (tests, development). */
  static generate(): KeyRing {
    return new KeyRing(randomBytes(KEY_ENCRYPTION_KEY_BYTES));
  }

  /** Every key id the ring can decrypt, the current one first. */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  has(keyId: string): boolean {
    return this.#keys.has(keyId);
  }

  /** Seals `plaintext` under the current KEK, bound to `context` (e.g. privateKeyContext(merchantId)). */
  encrypt(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#keys.get(this.currentKeyId)!, iv);
    cipher.setAAD(aad(this.currentKeyId, context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const data = Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64');
    return `${FORMAT}:${this.currentKeyId}:${data}`;
  }

  /**
   * Opens a value sealed for `context` by this ring's current or a previous KEK. Throws
   * KeyEncryptionError naming the key id when the ring lacks that KEK, and when the value was
   * altered or sealed for another context (another merchant's row).
   */
  decrypt(sealed: string, context: string): string {
    const { keyId, iv, tag, ciphertext } = parseSealed(sealed);
    const key = this.#keys.get(keyId);
    if (!key) {
      throw new KeyEncryptionError(
        `encrypted with key-encryption key ${keyId}, which this process does not have (it has ${this.keyIds.join(', ')}): ` +
          `set that key in KEY_ENCRYPTION_KEY_PREVIOUS (or as KEY_ENCRYPTION_KEY)`,
        keyId,
      );
    }
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(aad(keyId, context));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new KeyEncryptionError(`does not decrypt with key-encryption key ${keyId}: the value was altered or belongs to another row`, keyId);
    }
  }

  toJSON(): string {
    const previous = this.keyIds.filter((id) => id !== this.currentKeyId);
    return `KeyRing(current ${this.currentKeyId}${previous.length ? `, previous ${previous.join(', ')}` : ''})`;
  }

  [inspect.custom](): string {
    return this.toJSON();
  }

  toString(): string {
    return this.toJSON();
  }
}

/** The format and key id are authenticated too: a value cannot be relabelled to another key. */
function aad(keyId: string, context: string): Buffer {
  return Buffer.from(`${FORMAT}:${keyId}:${context}`, 'utf8');
}

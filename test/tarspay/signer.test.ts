import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalParams, requestMessage } from '../../src/tarspay/message.js';
import { PrivateKey, SigningKeyError, generateKeyPair, verifySignature, type SigningBackend } from '../../src/tarspay/signer.js';
import { loadVectors } from '../helpers/vectors.js';

const vectors = loadVectors();
const backends: SigningBackend[] = ['noble', 'openssl'];

describe('request message', () => {
  it.each(vectors.requests)('rebuilds the message of "$name" from its body', (vector) => {
    expect(requestMessage(vector.path, vector.nonce, vector.body)).toBe(vector.message);
  });

  it("matches TarsPay's documented example", () => {
    expect(requestMessage('/api/v1/test', '1537498830736', { price: 100, amount: '100' })).toBe('POST|/api/v1/test|1537498830736|amount=100&price=100');
  });

  it('sorts keys by byte order, leaves values raw and omits empty values unless asked', () => {
    const body = { b: 'x y#&=', a: 1, B: 'upper', empty: '', gone: undefined, nothing: null };
    expect(canonicalParams(body)).toBe('B=upper&a=1&b=x y#&=');
    expect(canonicalParams(body, 'keep')).toBe('B=upper&a=1&b=x y#&=&empty=&nothing=');
  });
});

describe.each(backends)('signature vectors (%s backend)', (backend) => {
  it.each(vectors.requests)('request "$name" verifies only when valid', (vector) => {
    expect(verifySignature(vector.publicKey, vector.message, vector.signature, backend)).toBe(vector.valid);
  });

  it.each(vectors.callbacks)('callback "$name" verifies only when valid', (vector) => {
    expect(verifySignature(vector.publicKey, vector.rawBody, vector.signature, backend)).toBe(vector.valid);
  });

  it('accepts a high-S vector and its low-S twin', () => {
    const highS = vectors.callbacks.find((vector) => vector.name.includes('high S'))!;
    const lowS = vectors.callbacks.find((vector) => vector.name.includes('low S'))!;
    expect(secp256k1.Signature.fromHex(highS.signature, 'der').hasHighS()).toBe(true);
    expect(secp256k1.Signature.fromHex(lowS.signature, 'der').hasHighS()).toBe(false);
    expect(verifySignature(highS.publicKey, highS.rawBody, highS.signature, backend)).toBe(true);
    expect(verifySignature(lowS.publicKey, lowS.rawBody, lowS.signature, backend)).toBe(true);
  });

  it('derives the compressed public key of the vector keys', () => {
    expect(PrivateKey.fromHex(vectors.keys.merchant.privateKey).publicKeyHex).toBe(vectors.keys.merchant.publicKey);
    expect(PrivateKey.fromHex(vectors.keys.sandboxPlatform.privateKey).publicKeyHex).toBe(vectors.keys.sandboxPlatform.publicKey);
  });

  it('rejects garbage signatures and keys without throwing', () => {
    const vector = vectors.requests[0]!;
    for (const signature of ['', 'zz', '3006020101020101', vector.signature.slice(0, -2), `${vector.signature}00`]) {
      expect(verifySignature(vector.publicKey, vector.message, signature, backend)).toBe(false);
    }
    for (const key of ['', '04abcd', `02${'00'.repeat(32)}`, vector.publicKey.slice(0, -2)]) {
      expect(verifySignature(key, vector.message, vector.signature, backend)).toBe(false);
    }
  });
});

describe('the two backends agree', () => {
  it('each verifies what the other signed, with the vector merchant key', () => {
    const key = PrivateKey.fromHex(vectors.keys.merchant.privateKey);
    for (const vector of vectors.requests) {
      for (const signer of backends) {
        const signature = key.sign(vector.message, signer);
        for (const verifier of backends) expect(verifySignature(key.publicKeyHex, vector.message, signature, verifier)).toBe(true);
      }
    }
  });
});

describe('against OpenSSL on the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tarspay-openssl-'));

  function derPublicKeyPem(publicKeyHex: string): string {
    // SubjectPublicKeyInfo for secp256k1 with a compressed point, as OpenSSL reads it.
    const prefix = '3036301006072a8648ce3d020106052b8104000a032200';
    const base64 = Buffer.from(prefix + publicKeyHex, 'hex').toString('base64');
    return `-----BEGIN PUBLIC KEY-----\n${base64}\n-----END PUBLIC KEY-----\n`;
  }

  it('a signature made by our signer verifies with `openssl dgst` over SHA256(message)', () => {
    const key = PrivateKey.fromHex(vectors.keys.merchant.privateKey);
    const message = requestMessage('/api/payOut/unifiedOrder', '1764028800999', { amount: '50000', customerName: 'Siti Rahayu' });
    for (const backend of backends) {
      const signature = key.sign(message, backend);
      const digestPath = join(dir, `digest-${backend}`);
      const sigPath = join(dir, `sig-${backend}`);
      const keyPath = join(dir, 'pub.pem');
      writeFileSync(digestPath, execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: message }));
      writeFileSync(sigPath, Buffer.from(signature, 'hex'));
      writeFileSync(keyPath, derPublicKeyPem(key.publicKeyHex));
      const output = execFileSync('openssl', ['dgst', '-sha256', '-verify', keyPath, '-signature', sigPath, digestPath]).toString();
      expect(output.trim()).toBe('Verified OK');
    }
  });
});

describe('properties', () => {
  const key = PrivateKey.fromHex(vectors.keys.merchant.privateKey);
  const value = fc.oneof(fc.string({ unit: 'grapheme', minLength: 1 }), fc.constantFrom('a b', '#x', 'a&b', 'k=v', 'ü 🇮🇩'), fc.nat().map(String));
  const body = fc.dictionary(
    fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !/[&=|]/.test(k)),
    value,
    { minKeys: 1, maxKeys: 8 },
  );

  it('sign then verify round-trips for any body, on both backends', () => {
    fc.assert(
      fc.property(body, fc.constantFrom<SigningBackend>('noble', 'openssl'), (params, backend) => {
        const message = requestMessage('/api/pay/unifiedOrder', '1764028800123', params);
        return verifySignature(key.publicKeyHex, message, key.sign(message, backend), backend === 'noble' ? 'openssl' : 'noble');
      }),
      { numRuns: 150 },
    );
  });

  it('never verifies after a single field changes', () => {
    fc.assert(
      fc.property(body, fc.nat(), fc.string({ minLength: 1, maxLength: 4 }), (params, pick, suffix) => {
        const message = requestMessage('/api/pay/unifiedOrder', '1764028800123', params);
        const signature = key.sign(message);
        const keys = Object.keys(params);
        const changedKey = keys[pick % keys.length]!;
        const tampered = requestMessage('/api/pay/unifiedOrder', '1764028800123', { ...params, [changedKey]: `${String(params[changedKey])}${suffix}` });
        const otherNonce = requestMessage('/api/pay/unifiedOrder', '1764028800124', params);
        const otherPath = requestMessage('/api/payOut/unifiedOrder', '1764028800123', params);
        return [tampered, otherNonce, otherPath].every((changed) => !verifySignature(key.publicKeyHex, changed, signature));
      }),
      { numRuns: 150 },
    );
  });
});

describe('keys', () => {
  it('generates valid pairs and loads keys from hex or file', () => {
    const pair = generateKeyPair();
    expect(pair.privateKey).toMatch(/^[0-9a-f]{64}$/);
    expect(pair.publicKey).toMatch(/^0[23][0-9a-f]{64}$/);
    const path = join(mkdtempSync(join(tmpdir(), 'key-')), 'merchant.key');
    writeFileSync(path, `${pair.privateKey}\n`);
    expect(PrivateKey.fromFile(path).publicKeyHex).toBe(pair.publicKey);
  });

  it('refuses malformed keys with a clear message', () => {
    expect(() => PrivateKey.fromHex('abc')).toThrow(SigningKeyError);
    expect(() => PrivateKey.fromHex('0'.repeat(64))).toThrow(/not a valid secp256k1/);
    expect(() => PrivateKey.fromFile('/nonexistent/key')).toThrow(/cannot read private key file/);
  });

  it('never shows the private key when printed', () => {
    const key = PrivateKey.fromHex(vectors.keys.merchant.privateKey);
    const secret = vectors.keys.merchant.privateKey;
    for (const text of [inspect(key), JSON.stringify({ key }), String(key), `${key as unknown as string}`]) expect(text).not.toContain(secret);
  });
});

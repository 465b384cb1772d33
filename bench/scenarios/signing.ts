import { createHash, createPrivateKey, createPublicKey, sign as opensslSign, verify as opensslVerify, type KeyObject } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { requestMessage } from '../../src/tarspay/message.js';
import { PrivateKey, verifySignature } from '../../src/tarspay/signer.js';
import { median, round } from '../lib/stats.js';

/**
 * Our signer (src/tarspay/signer.ts, default backend) against node:crypto doing the same work with
 * nothing around it: SHA-256 of the message, ECDSA-SHA256 of that digest with a ready KeyObject,
 * DER, hex.
 */

export interface SigningResult {
  sign_per_s: number;
  verify_per_s: number;
  openssl_sign_per_s: number;
  openssl_verify_per_s: number;
  sign_ratio: number;
  verify_ratio: number;
  noble_sign_per_s: number;
  noble_verify_per_s: number;
  noble_sign_ratio: number;
  noble_verify_ratio: number;
}

/** Calls `work` in batches of 10 until `ms` have passed; operations per second. */
function rate(work: () => unknown, ms: number): number {
  let operations = 0;
  const started = performance.now();
  let now = started;
  while (now - started < ms) {
    for (let i = 0; i < 10; i++) work();
    operations += 10;
    now = performance.now();
  }
  return operations / ((now - started) / 1000);
}

/**
 * Ours against the floor in many short alternating slices (A B, B A, …): whatever else the machine
 * does hits both alike, and the median of the per-pair ratios shrugs off the slices it hit hard.
 */
function compare(ours: () => unknown, floor: () => unknown, pairs: number, sliceMs: number): { ours: number; floor: number; ratio: number } {
  const oursRates: number[] = [];
  const floorRates: number[] = [];
  const ratios: number[] = [];
  for (let pair = 0; pair < pairs; pair++) {
    let a: number;
    let b: number;
    if (pair % 2 === 0) {
      a = rate(ours, sliceMs);
      b = rate(floor, sliceMs);
    } else {
      b = rate(floor, sliceMs);
      a = rate(ours, sliceMs);
    }
    oursRates.push(a);
    floorRates.push(b);
    ratios.push(a / b);
  }
  return { ours: median(oursRates), floor: median(floorRates), ratio: median(ratios) };
}

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

/** The KeyObjects node:crypto needs, built once outside the timed loops. */
function keyObjects(secretHex: string): { privateKey: KeyObject; publicKey: KeyObject } {
  const point = secp256k1.Point.fromHex(bytesToHex(secp256k1.getPublicKey(Buffer.from(secretHex, 'hex'), true))).toAffine();
  const coordinate = (value: bigint) => base64url(Buffer.from(value.toString(16).padStart(64, '0'), 'hex'));
  const jwk = { kty: 'EC', crv: 'secp256k1', x: coordinate(point.x), y: coordinate(point.y) };
  return {
    privateKey: createPrivateKey({ key: { ...jwk, d: base64url(Buffer.from(secretHex, 'hex')) }, format: 'jwk' }),
    publicKey: createPublicKey({ key: jwk, format: 'jwk' }),
  };
}

function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export async function runSigning(options: { pairs: number; sliceMs: number }): Promise<SigningResult> {
  const key = PrivateKey.generate();
  const objects = keyObjects(key.revealHex());
  const message = requestMessage('/api/pay/unifiedOrder', String(Date.now()), {
    amount: '150000',
    body: 'Two items',
    currency: 'IDR',
    customerContact: '081234567890',
    customerEmail: 'budi@example.co.id',
    customerName: 'Budi Santoso',
    mchNo: 'M1700000001',
    mchOrderNo: 'C-LX4Q2-1234-1',
    notifyUrl: 'https://gateway.example.co.id/tarspay/notify',
    returnUrl: 'https://shop.example.co.id/return',
    subject: 'Order 1001',
    wayCode: 'BANK_BCA',
  });
  const signature = key.sign(message);
  const opensslSignature = Buffer.from(signature, 'hex');

  const contenders = {
    sign: () => key.sign(message),
    opensslSign: () => opensslSign('sha256', createHash('sha256').update(message).digest(), objects.privateKey).toString('hex'),
    nobleSign: () => key.sign(message, 'noble'),
    verify: () => verifySignature(key.publicKeyHex, message, signature),
    opensslVerify: () =>
      opensslVerify('sha256', createHash('sha256').update(message).digest(), { key: objects.publicKey, dsaEncoding: 'der' }, opensslSignature),
    nobleVerify: () => verifySignature(key.publicKeyHex, message, signature, 'noble'),
  };
  // Same answers before timing anything.
  if (!contenders.verify() || !contenders.opensslVerify() || !contenders.nobleVerify()) throw new Error('signing bench: a verifier refused a good signature');
  if (!verifySignature(key.publicKeyHex, message, contenders.opensslSign())) throw new Error('signing bench: node:crypto signature does not verify');

  // Warm-up: JIT, key caches.
  for (const work of Object.values(contenders)) rate(work, 150);
  const { pairs, sliceMs } = options;
  const sign = compare(contenders.sign, contenders.opensslSign, pairs, sliceMs);
  const verify = compare(contenders.verify, contenders.opensslVerify, pairs, sliceMs);
  const nobleSign = compare(contenders.nobleSign, contenders.opensslSign, Math.ceil(pairs / 2), sliceMs);
  const nobleVerify = compare(contenders.nobleVerify, contenders.opensslVerify, Math.ceil(pairs / 2), sliceMs);
  return {
    sign_per_s: round(sign.ours, 0),
    verify_per_s: round(verify.ours, 0),
    openssl_sign_per_s: round(sign.floor, 0),
    openssl_verify_per_s: round(verify.floor, 0),
    sign_ratio: round(sign.ratio, 3),
    verify_ratio: round(verify.ratio, 3),
    noble_sign_per_s: round(nobleSign.ours, 0),
    noble_verify_per_s: round(nobleVerify.ours, 0),
    noble_sign_ratio: round(nobleSign.ratio, 3),
    noble_verify_ratio: round(nobleVerify.ratio, 3),
  };
}

import { LockMode, type EntityManager } from '@mikro-orm/core';
import { v7 as uuidv7 } from 'uuid';
import { isPublicKeyHex, PrivateKey, PUBLIC_KEY_FORMAT } from '../tarspay/signer.js';
import type { KeyRing } from './key-encryption.js';
import { forgetMerchantKeys } from './merchant-key-cache.js';
import { sealPrivateKey } from './merchant-keys.js';
import { Merchant } from './merchant.entity.js';

export interface MerchantInput {
  mchNo: string;
  /** 64 hex characters; the public key is derived from it. Stored encrypted with the key ring. */
  privateKeyHex: string;
  /** TarsPay's compressed public key hex that signs this merchant's callbacks. */
  platformPublicKey: string;
  /** Per-merchant callback URL; undefined leaves an existing one alone, null clears it. */
  notifyUrl?: string | null;
  /** Start-up bootstrap only: see Merchant.configuredKeys. */
  configuredKeys?: string;
}

export interface KeyRotationInput {
  mchNo: string;
  /** The new private key (64 hex characters); omit to keep the current one. */
  privateKeyHex?: string;
  /** TarsPay's new platform public key; omit to keep the current one. */
  platformPublicKey?: string;
}

export interface KeyRotation {
  merchant: Merchant;
  /** What changed: empty when the keys given are the ones already stored (the key version stays). */
  changed: Array<'private key' | 'platform public key'>;
}

export class MerchantInputError extends Error {
  override name = 'MerchantInputError';
}

function checkMchNo(mchNo: string): string {
  const trimmed = mchNo.trim();
  if (trimmed.length === 0) throw new MerchantInputError('mchNo is empty: pass the merchant number TarsPay gave you');
  return trimmed;
}

function parsePrivateKey(mchNo: string, hex: string): PrivateKey {
  try {
    return PrivateKey.fromHex(hex);
  } catch (error) {
    throw new MerchantInputError(`merchant ${mchNo}: ${(error as Error).message}`);
  }
}

function parsePlatformPublicKey(mchNo: string, hex: string): string {
  const platformPublicKey = hex.trim().toLowerCase();
  if (!isPublicKeyHex(platformPublicKey)) {
    throw new MerchantInputError(`merchant ${mchNo}: the platform public key must be ${PUBLIC_KEY_FORMAT}, as shown in TarsPay's merchant console`);
  }
  return platformPublicKey;
}

/** Sets the keys that differ (the private key sealed under the current KEK) and bumps keyVersion if any did. */
function applyKeys(merchant: Merchant, keyRing: KeyRing, keys: { privateKey?: PrivateKey; platformPublicKey?: string }): KeyRotation['changed'] {
  const changed: KeyRotation['changed'] = [];
  if (keys.privateKey && keys.privateKey.publicKeyHex !== merchant.publicKey) {
    Object.assign(merchant, { publicKey: keys.privateKey.publicKeyHex, ...sealPrivateKey(keyRing, merchant.id, keys.privateKey) });
    changed.push('private key');
  }
  if (keys.platformPublicKey && keys.platformPublicKey !== merchant.platformPublicKey) {
    merchant.platformPublicKey = keys.platformPublicKey;
    changed.push('platform public key');
  }
  if (changed.length) {
    merchant.keyVersion += 1;
    merchant.keysUpdatedAt = new Date();
  }
  return changed;
}

/**
 * Creates the merchant, or updates its keys and notifyUrl when `mchNo` exists (a key change bumps
 * its keyVersion); the private key is stored encrypted with `keyRing`. Throws MerchantInputError
 * (with the fix in its message) on a malformed key.
 */
export async function upsertMerchant(em: EntityManager, keyRing: KeyRing, input: MerchantInput): Promise<Merchant> {
  const mchNo = checkMchNo(input.mchNo);
  const privateKey = parsePrivateKey(mchNo, input.privateKeyHex);
  const platformPublicKey = parsePlatformPublicKey(mchNo, input.platformPublicKey);
  const merchant = await em.transactional(async (tx) => {
    await lockMerchantNumber(tx, mchNo);
    const existing = await tx.findOne(Merchant, { mchNo }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!existing) {
      const id = uuidv7();
      return tx.create(Merchant, {
        id,
        mchNo,
        publicKey: privateKey.publicKeyHex,
        ...sealPrivateKey(keyRing, id, privateKey),
        platformPublicKey,
        keyVersion: 1,
        keysUpdatedAt: new Date(),
        configuredKeys: input.configuredKeys ?? null,
        notifyUrl: input.notifyUrl ?? null,
      });
    }
    applyKeys(existing, keyRing, { privateKey, platformPublicKey });
    if (input.notifyUrl !== undefined) existing.notifyUrl = input.notifyUrl;
    if (input.configuredKeys !== undefined) existing.configuredKeys = input.configuredKeys;
    return existing;
  });
  forgetMerchantKeys(merchant.id);
  return merchant;
}

/**
 * Replaces an existing merchant's private key and/or platform public key. Gateways pick the new
 * keys up without a restart: in this process at once, elsewhere within 5 s (MerchantKeyCache). Throws MerchantInputError on a
 * malformed key, an unknown merchant, or when neither key is given.
 */
export async function rotateMerchantKeys(em: EntityManager, keyRing: KeyRing, input: KeyRotationInput): Promise<KeyRotation> {
  const mchNo = checkMchNo(input.mchNo);
  if (input.privateKeyHex === undefined && input.platformPublicKey === undefined) {
    throw new MerchantInputError(`merchant ${mchNo}: give a new private key, a new platform public key, or both`);
  }
  const privateKey = input.privateKeyHex === undefined ? undefined : parsePrivateKey(mchNo, input.privateKeyHex);
  const platformPublicKey = input.platformPublicKey === undefined ? undefined : parsePlatformPublicKey(mchNo, input.platformPublicKey);
  const rotation = await em.transactional(async (tx) => {
    const merchant = await tx.findOne(Merchant, { mchNo }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!merchant) throw new MerchantInputError(`no merchant "${mchNo}": add it with "merchant add" first`);
    return { merchant, changed: applyKeys(merchant, keyRing, { privateKey, platformPublicKey }) };
  });
  // After commit: every gateway of this process signs and verifies with the new keys from its next use.
  forgetMerchantKeys(rotation.merchant.id);
  return rotation;
}

/** The advisory-lock namespace of merchant numbers (any fixed int4). */
const MERCHANT_NUMBER_LOCK = 7_403_119;

/**
 * Holds, until the transaction ends, a lock on `mchNo` whether or not its row exists yet: a row
 * lock cannot cover a merchant about to be created, so two instances starting together on a new
 * database would both insert it and one would fail on the unique number.
 */
export async function lockMerchantNumber(tx: EntityManager, mchNo: string): Promise<void> {
  await tx.getConnection().execute('select pg_advisory_xact_lock(?::int, hashtext(?))', [MERCHANT_NUMBER_LOCK, mchNo], 'all', tx.getTransactionContext());
}

export function findMerchantByMchNo(em: EntityManager, mchNo: string): Promise<Merchant | null> {
  return em.findOne(Merchant, { mchNo });
}

/** Every merchant, sorted by number, without the encrypted private key: for listings. */
export function listMerchants(em: EntityManager): Promise<Array<Pick<Merchant, 'mchNo' | 'publicKey' | 'keyVersion' | 'keysUpdatedAt'>>> {
  return em.find(Merchant, {}, { fields: ['mchNo', 'publicKey', 'keyVersion', 'keysUpdatedAt'], orderBy: { mchNo: 'asc' } });
}

/** Every merchant number, sorted: for error messages that list what exists. */
export async function listMerchantNumbers(em: EntityManager): Promise<string[]> {
  const merchants = await em.find(Merchant, {}, { fields: ['mchNo'], orderBy: { mchNo: 'asc' } });
  return merchants.map((merchant) => merchant.mchNo);
}

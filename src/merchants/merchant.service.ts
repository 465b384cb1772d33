import type { EntityManager } from '@mikro-orm/core';
import { isPublicKeyHex, PrivateKey } from '../tarspay/signer.js';
import { Merchant } from './merchant.entity.js';

export interface MerchantInput {
  mchNo: string;
  /** 64 hex characters; the public key is derived from it. */
  privateKeyHex: string;
  /** TarsPay's compressed public key hex that signs this merchant's callbacks. */
  platformPublicKey: string;
  /** Per-merchant callback URL; undefined leaves an existing one alone, null clears it. */
  notifyUrl?: string | null;
}

export class MerchantInputError extends Error {
  override name = 'MerchantInputError';
  readonly code = 'VALIDATION';
}

/**
 * Creates the merchant, or updates its keys and notifyUrl when `mchNo` exists; flushes.
 * Throws MerchantInputError (with the fix in its message) on a malformed key.
 */
export async function upsertMerchant(em: EntityManager, input: MerchantInput): Promise<Merchant> {
  const mchNo = input.mchNo.trim();
  if (mchNo.length === 0) throw new MerchantInputError('mchNo is empty: pass the merchant number TarsPay gave you');
  let privateKey: PrivateKey;
  try {
    privateKey = PrivateKey.fromHex(input.privateKeyHex);
  } catch (error) {
    throw new MerchantInputError(`merchant ${mchNo}: ${(error as Error).message}`);
  }
  const platformPublicKey = input.platformPublicKey.trim().toLowerCase();
  if (!isPublicKeyHex(platformPublicKey)) {
    throw new MerchantInputError(
      `merchant ${mchNo}: the platform public key must be a compressed secp256k1 key (66 hex characters starting 02 or 03), as shown in TarsPay's merchant console`,
    );
  }
  const fields = {
    publicKey: privateKey.publicKeyHex,
    privateKey: privateKey.revealHex(),
    platformPublicKey,
    ...(input.notifyUrl !== undefined ? { notifyUrl: input.notifyUrl } : {}),
  };
  let merchant = await em.findOne(Merchant, { mchNo });
  if (merchant) {
    em.assign(merchant, fields);
  } else {
    merchant = em.create(Merchant, { mchNo, notifyUrl: null, ...fields });
  }
  await em.flush();
  return merchant;
}

export function findMerchantByMchNo(em: EntityManager, mchNo: string): Promise<Merchant | null> {
  return em.findOne(Merchant, { mchNo });
}

/** Every merchant number, sorted: for error messages that list what exists. */
export async function listMerchantNumbers(em: EntityManager): Promise<string[]> {
  const merchants = await em.find(Merchant, {}, { fields: ['mchNo'], orderBy: { mchNo: 'asc' } });
  return merchants.map((merchant) => merchant.mchNo);
}

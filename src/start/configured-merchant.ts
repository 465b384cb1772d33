import type { EntityManager } from '@mikro-orm/postgresql';
import { ConfigError, type ConfiguredMerchantSettings, type TarsPaySettings } from '../config.js';
import type { KeyRing } from '../merchants/key-encryption.js';
import { openPrivateKey } from '../merchants/merchant-keys.js';
import { Merchant } from '../merchants/merchant.entity.js';
import { findMerchantByMchNo, lockMerchantNumber, upsertMerchant } from '../merchants/merchant.service.js';
import { PrivateKey, SigningKeyError } from '../tarspay/signer.js';

export const SANDBOX_MERCHANT_NO = 'M-SANDBOX-0001';

/**
 * The merchant the environment describes (TARSPAY_MERCHANT_NO and keys). Against the sandbox,
 * a development merchant whose key is generated once and kept (encrypted) in the database.
 * The environment's keys are applied when they differ from what the environment said at the
 * previous start: a key rotated since with the CLI stays in force until the environment changes.
 */
export async function ensureConfiguredMerchant(
  em: EntityManager,
  keyRing: KeyRing,
  tarspay: TarsPaySettings,
  sandboxPlatformPublicKey: string | null,
): Promise<Merchant> {
  const mchNo = tarspay.merchantNo ?? SANDBOX_MERCHANT_NO;
  const configuredKey = configuredPrivateKey(tarspay);
  const platformPublicKey = sandboxPlatformPublicKey ?? tarspay.platformPublicKey;
  if (!platformPublicKey) {
    throw new ConfigError(
      'TARSPAY_PLATFORM_PUBLIC_KEY is not set: set it to the platform public key TarsPay gave you (66 hex characters); it verifies their callbacks',
    );
  }
  const configuredKeys = `${configuredKey?.publicKeyHex ?? 'stored'}:${platformPublicKey.toLowerCase()}`;
  const current = await findMerchantByMchNo(em, mchNo);
  if (current && current.configuredKeys === configuredKeys) return current;
  // Decided again under the merchant number's lock: an instance starting beside this one may have
  // created the merchant (with a development key of its own) since the read above.
  return em.transactional(async (tx) => {
    await lockMerchantNumber(tx, mchNo);
    const existing = await tx.findOne(Merchant, { mchNo }, { refresh: true });
    if (existing && existing.configuredKeys === configuredKeys) return existing;
    const privateKey = configuredKey ?? (existing ? openPrivateKey(keyRing, existing) : PrivateKey.generate());
    return upsertMerchant(tx, keyRing, { mchNo, privateKeyHex: privateKey.revealHex(), platformPublicKey, configuredKeys });
  });
}

/** TARSPAY_PRIVATE_KEY, or the file TARSPAY_PRIVATE_KEY_FILE names; a bad key is a ConfigError naming the variable. */
export function configuredPrivateKey(merchant: ConfiguredMerchantSettings): PrivateKey | undefined {
  const file = merchant.privateKeyFile;
  const variable = merchant.privateKey ? 'TARSPAY_PRIVATE_KEY' : `TARSPAY_PRIVATE_KEY_FILE (${file})`;
  try {
    if (merchant.privateKey) return PrivateKey.fromHex(merchant.privateKey);
    return file ? PrivateKey.fromFile(file) : undefined;
  } catch (error) {
    if (!(error instanceof SigningKeyError)) throw error;
    throw new ConfigError(`${variable}: ${error.message}: set the merchant's private key (64 hex characters), whose public half TarsPay has`);
  }
}

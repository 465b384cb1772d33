import type { EntityManager } from '@mikro-orm/postgresql';
import { SCOPES, type Scope } from './auth/scopes.js';
import { createApiToken } from './auth/tokens.js';
import type { Environment } from './config.js';
import type { KeyRing } from './merchants/key-encryption.js';
import { openPrivateKey } from './merchants/merchant-keys.js';
import type { Merchant } from './merchants/merchant.entity.js';
import { findMerchantByMchNo, upsertMerchant } from './merchants/merchant.service.js';
import { PrivateKey } from './tarspay/signer.js';

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
  config: Environment,
  sandboxPlatformPublicKey: string | null,
): Promise<Merchant> {
  const mchNo = config.TARSPAY_MERCHANT_NO ?? SANDBOX_MERCHANT_NO;
  const configuredKey = config.TARSPAY_PRIVATE_KEY
    ? PrivateKey.fromHex(config.TARSPAY_PRIVATE_KEY)
    : config.TARSPAY_PRIVATE_KEY_FILE
      ? PrivateKey.fromFile(config.TARSPAY_PRIVATE_KEY_FILE)
      : undefined;
  const platformPublicKey = sandboxPlatformPublicKey ?? config.TARSPAY_PLATFORM_PUBLIC_KEY;
  if (!platformPublicKey) throw new Error('TARSPAY_PLATFORM_PUBLIC_KEY is needed to verify TarsPay callbacks');
  const configuredKeys = `${configuredKey?.publicKeyHex ?? 'stored'}:${platformPublicKey.toLowerCase()}`;
  const existing = await findMerchantByMchNo(em, mchNo);
  if (existing && existing.configuredKeys === configuredKeys) return existing;
  const privateKey = configuredKey ?? (existing ? openPrivateKey(keyRing, existing) : PrivateKey.generate());
  return upsertMerchant(em, keyRing, { mchNo, privateKeyHex: privateKey.revealHex(), platformPublicKey, configuredKeys });
}

/** What the demo's server side needs to create a collection: nothing more. */
export const DEMO_SCOPES = ['collections:write'] as const satisfies readonly Scope[];
/** The one operation that token may run (see `token create --operations`). */
export const DEMO_OPERATIONS = ['DemoCreateCollection'] as const;

/**
 * The merchant token of the demo checkout's server side (POST /demo/orders): it never leaves the
 * gateway's process. It may create collections through the shipped DemoCreateCollection only.
 */
export async function createDemoToken(em: EntityManager, merchant: Merchant): Promise<string> {
  const { token } = await createApiToken(em, {
    merchant,
    name: `demo checkout ${new Date().toISOString()}`,
    scopes: DEMO_SCOPES,
    operations: DEMO_OPERATIONS,
  });
  return token;
}

/** A token with every scope, printed at start in development so GraphiQL works at once. */
export async function createDevelopmentToken(em: EntityManager, merchant: Merchant): Promise<string> {
  const { token } = await createApiToken(em, { merchant, name: `development ${new Date().toISOString()}`, scopes: SCOPES });
  return token;
}

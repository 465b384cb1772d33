import { z } from 'zod';
import { booleanVariable } from '../lib/environment-values.js';
import { isPrivateKeyHex, isPublicKeyHex, PRIVATE_KEY_FORMAT, PUBLIC_KEY_FORMAT } from '../tarspay/signer.js';
import { SANDBOX_DEFAULTS, SandboxConfigError, type SandboxMerchantInput, type SandboxOptions } from './options.js';

/** Every SANDBOX_* environment variable, parsed once. See src/sandbox/README.md for the table. */

function merchantList(text: string, ctx: z.RefinementCtx): SandboxMerchantInput[] {
  const merchants: SandboxMerchantInput[] = [];
  for (const entry of text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const [mchNo, publicKey, ...rest] = entry.split(':').map((part) => part.trim());
    if (!mchNo || !publicKey || rest.length > 0) {
      ctx.addIssue({ code: 'custom', message: `"${entry}" is not mchNo:publicKeyHex` });
    } else if (!isPublicKeyHex(publicKey)) {
      ctx.addIssue({ code: 'custom', message: `${mchNo}: the public key must be ${PUBLIC_KEY_FORMAT}` });
    } else {
      merchants.push({ mchNo, publicKey: publicKey.toLowerCase() });
    }
  }
  return merchants;
}

const milliseconds = z.coerce.number().int().min(0);
const wholeRupiah = z.string().regex(/^\d+$/, 'must be whole rupiah digits, e.g. "5000"');

const envSchema = z.object({
  SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(4100),
  SANDBOX_HOST: z.string().default(SANDBOX_DEFAULTS.host),
  SANDBOX_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  SANDBOX_MERCHANTS: z.string().default('').transform(merchantList),
  SANDBOX_PLATFORM_PRIVATE_KEY: z
    .string()
    .transform((value) => value.trim().replace(/^0x/, ''))
    .refine((value) => isPrivateKeyHex(value), `must be ${PRIVATE_KEY_FORMAT}, a valid secp256k1 private key`)
    .optional(),
  SANDBOX_NONCE_WINDOW_MS: milliseconds.default(SANDBOX_DEFAULTS.nonceWindowMs),
  SANDBOX_CALLBACK_RETRY_MS: milliseconds.default(SANDBOX_DEFAULTS.callbackRetryMs),
  SANDBOX_CALLBACK_RETRY_MAX_MS: milliseconds.default(SANDBOX_DEFAULTS.callbackRetryMaxMs),
  SANDBOX_ORDER_EXPIRY_MS: milliseconds.default(SANDBOX_DEFAULTS.orderExpiryMs),
  SANDBOX_INITIAL_BALANCE: wholeRupiah.default(SANDBOX_DEFAULTS.initialBalance),
  SANDBOX_COLLECTION_FEE_PERCENT: z.coerce.number().min(0).max(100).default(SANDBOX_DEFAULTS.collectionFeePercent),
  SANDBOX_PAYOUT_FEE: wholeRupiah.default(SANDBOX_DEFAULTS.payoutFee),
  SANDBOX_SIGN_INQUIRIES: booleanVariable.default(false),
  SANDBOX_DEBUG: booleanVariable.default(false),
});

export type SandboxEnvOptions = Omit<SandboxOptions, 'log'> & {
  port: number;
  host: string;
  /** SANDBOX_DEBUG: `npm run sandbox` also prints debug lines (every API request). In the gateway, LOG_LEVEL decides. */
  debug: boolean;
};

/**
 * Reads the SANDBOX_* variables; empty values count as unset. Throws SandboxConfigError naming each
 * bad variable. The one reader of SANDBOX_*: `npm run sandbox` and the gateway's in-process sandbox
 * (src/main.ts) call it without arguments, tests with their own variables.
 */
export function sandboxOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): SandboxEnvOptions {
  const present = Object.fromEntries(Object.entries(env).filter(([key, value]) => key.startsWith('SANDBOX_') && value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new SandboxConfigError(`invalid sandbox configuration:\n  ${problems.join('\n  ')}`);
  }
  const config = parsed.data;
  return {
    port: config.SANDBOX_PORT,
    host: config.SANDBOX_HOST,
    publicBaseUrl: config.SANDBOX_PUBLIC_URL,
    merchants: config.SANDBOX_MERCHANTS,
    platformPrivateKey: config.SANDBOX_PLATFORM_PRIVATE_KEY,
    nonceWindowMs: config.SANDBOX_NONCE_WINDOW_MS,
    callbackRetryMs: config.SANDBOX_CALLBACK_RETRY_MS,
    callbackRetryMaxMs: config.SANDBOX_CALLBACK_RETRY_MAX_MS,
    orderExpiryMs: config.SANDBOX_ORDER_EXPIRY_MS,
    initialBalance: config.SANDBOX_INITIAL_BALANCE,
    collectionFeePercent: config.SANDBOX_COLLECTION_FEE_PERCENT,
    payoutFee: config.SANDBOX_PAYOUT_FEE,
    signInquiries: config.SANDBOX_SIGN_INQUIRIES,
    debug: config.SANDBOX_DEBUG,
  };
}

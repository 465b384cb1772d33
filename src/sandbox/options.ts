/** What a sandbox is started with, the defaults, and their validation (shared by the env parser and startSandbox). */

export type SandboxLogLevel = 'debug' | 'info' | 'warn' | 'error';
export type SandboxLogger = (level: SandboxLogLevel, msg: string, fields?: Record<string, unknown>) => void;

export interface SandboxMerchantInput {
  mchNo: string;
  /** Compressed secp256k1 public key, 66 hex chars: what the merchant sends as X-API-KEY. */
  publicKey: string;
  /** Opening available balance in whole rupiah; defaults to the sandbox's initialBalance. */
  balance?: string;
  /** Shown in transaction history (`mchName`) and in QRIS codes. */
  name?: string;
}

export interface SandboxOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** 64 hex chars; the key that signs answers and callbacks. Generated when absent. */
  platformPrivateKey?: string;
  merchants?: SandboxMerchantInput[];
  /** How far X-API-NONCE may be from the sandbox clock; 0 turns the check off. */
  nonceWindowMs?: number;
  /** First delay between callback resends; doubles after each failed delivery. */
  callbackRetryMs?: number;
  /** Longest delay between callback resends. */
  callbackRetryMaxMs?: number;
  /** How long one callback delivery may take before it counts as failed. */
  callbackTimeoutMs?: number;
  /** Unpaid collections expire (state 6) this long after creation; 0 = never. */
  orderExpiryMs?: number;
  /** Opening available balance of each merchant, whole rupiah. */
  initialBalance?: string;
  /** Collection fee in percent of the paid amount (up to 4 decimals), rounded down to whole rupiah. */
  collectionFeePercent?: number;
  /** Flat fee per payout, whole rupiah. */
  payoutFee?: string;
  /**
   * Sign inquiry answers (/api/payInInfo, /api/payOutInfo) too. TarsPay's document shows its inquiry
   * answers without `sign`, so by default the sandbox sends none there.
   */
  signInquiries?: boolean;
  /** Base of the URLs the sandbox hands out (cashier, e-wallet checkout, logos). Defaults to its own URL. */
  publicBaseUrl?: string;
  log?: SandboxLogger;
}

export interface ResolvedSandboxOptions {
  port: number;
  host: string;
  platformPrivateKey: string | undefined;
  merchants: SandboxMerchantInput[];
  nonceWindowMs: number;
  callbackRetryMs: number;
  callbackRetryMaxMs: number;
  callbackTimeoutMs: number;
  orderExpiryMs: number;
  initialBalance: bigint;
  /** The fee percent in hundredths of a basis point (percent × 10,000), so that fees are exact BigInt math. */
  collectionFeeMicros: bigint;
  payoutFee: bigint;
  publicBaseUrl: string | undefined;
  signInquiries: boolean;
  log: SandboxLogger;
}

export const SANDBOX_DEFAULTS = {
  port: 0,
  host: '127.0.0.1',
  nonceWindowMs: 300_000,
  callbackRetryMs: 1_000,
  callbackRetryMaxMs: 600_000,
  callbackTimeoutMs: 10_000,
  orderExpiryMs: 1_800_000,
  initialBalance: '100000000',
  collectionFeePercent: 3,
  payoutFee: '5000',
} as const;

export class SandboxConfigError extends Error {
  override name = 'SandboxConfigError';
}

const WHOLE_RUPIAH = /^\d+$/;

export function parseWholeRupiah(value: string, name: string): bigint {
  if (!WHOLE_RUPIAH.test(value)) throw new SandboxConfigError(`${name} must be whole rupiah digits (e.g. "5000"), got "${value}"`);
  return BigInt(value);
}

function nonNegativeInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new SandboxConfigError(`${name} must be a whole number >= 0, got ${value}`);
  return value;
}

function feeMicros(percent: number): bigint {
  const micros = Math.round(percent * 10_000);
  if (!Number.isFinite(percent) || percent < 0 || percent > 100 || Math.abs(micros - percent * 10_000) > 1e-6) {
    throw new SandboxConfigError(`collectionFeePercent must be 0-100 with at most 4 decimals, got ${percent}`);
  }
  return BigInt(micros);
}

const noLog: SandboxLogger = () => {};

export function resolveSandboxOptions(options: SandboxOptions): ResolvedSandboxOptions {
  const retryMs = nonNegativeInteger(options.callbackRetryMs ?? SANDBOX_DEFAULTS.callbackRetryMs, 'callbackRetryMs');
  return {
    port: nonNegativeInteger(options.port ?? SANDBOX_DEFAULTS.port, 'port'),
    host: options.host ?? SANDBOX_DEFAULTS.host,
    platformPrivateKey: options.platformPrivateKey,
    merchants: options.merchants ?? [],
    nonceWindowMs: nonNegativeInteger(options.nonceWindowMs ?? SANDBOX_DEFAULTS.nonceWindowMs, 'nonceWindowMs'),
    callbackRetryMs: retryMs,
    callbackRetryMaxMs: Math.max(retryMs, nonNegativeInteger(options.callbackRetryMaxMs ?? SANDBOX_DEFAULTS.callbackRetryMaxMs, 'callbackRetryMaxMs')),
    callbackTimeoutMs: nonNegativeInteger(options.callbackTimeoutMs ?? SANDBOX_DEFAULTS.callbackTimeoutMs, 'callbackTimeoutMs'),
    orderExpiryMs: nonNegativeInteger(options.orderExpiryMs ?? SANDBOX_DEFAULTS.orderExpiryMs, 'orderExpiryMs'),
    initialBalance: parseWholeRupiah(options.initialBalance ?? SANDBOX_DEFAULTS.initialBalance, 'initialBalance'),
    collectionFeeMicros: feeMicros(options.collectionFeePercent ?? SANDBOX_DEFAULTS.collectionFeePercent),
    payoutFee: parseWholeRupiah(options.payoutFee ?? SANDBOX_DEFAULTS.payoutFee, 'payoutFee'),
    publicBaseUrl: options.publicBaseUrl?.replace(/\/+$/, ''),
    signInquiries: options.signInquiries ?? false,
    log: options.log ?? noLog,
  };
}

import { parseWireAmount } from '../tarspay/amounts.js';
import type { AmountLimit } from '../tarspay/catalogs.js';
import { API_CODES, TarsPayApiError } from './api-error.js';

/** Reading and checking the parameters of a TarsPay request body, with TarsPay's error codes. */

export type RequestBody = Record<string, unknown>;

function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function requirePresent(body: RequestBody, name: string): void {
  if (isAbsent(body[name])) throw new TarsPayApiError(API_CODES.MISSING_PARAMETER, `${name} is required`);
}

export function requiredString(body: RequestBody, name: string): string {
  requirePresent(body, name);
  const value = body[name];
  if (typeof value !== 'string') throw new TarsPayApiError(API_CODES.MISSING_PARAMETER, `${name} must be a string`);
  return value;
}

/** Empty and null count as absent, like the signature's 'omit' form. */
export function optionalString(body: RequestBody, name: string): string | undefined {
  return isAbsent(body[name]) ? undefined : requiredString(body, name);
}

/**
 * Checks that every required name is present (the first missing one, in the doc's order, is named),
 * then returns the string ones; `amount` is left to parseAmount, whose format errors have their own code.
 */
export function requiredStrings<const Names extends readonly string[]>(body: RequestBody, names: Names): Record<Exclude<Names[number], 'amount'>, string> {
  for (const name of names) requirePresent(body, name);
  const values = {} as Record<string, string>;
  for (const name of names) if (name !== 'amount') values[name] = requiredString(body, name);
  return values;
}

export function requireIdr(currency: string): 'IDR' {
  if (currency !== 'IDR') {
    throw new TarsPayApiError(API_CODES.MISSING_PARAMETER, `currency must be "IDR" (this is TarsPay's Indonesia API), got "${currency}"`);
  }
  return currency;
}

/**
 * IDR amounts in a request: a JSON string of whole rupiah (TarsPay's wire rule, tarspay/amounts.ts),
 * not zero, within the method's limits.
 */
export function parseAmount(value: unknown, limits: AmountLimit, what: string): bigint {
  if (isAbsent(value)) throw new TarsPayApiError(API_CODES.MISSING_PARAMETER, 'amount is required');
  if (typeof value !== 'string') {
    throw new TarsPayApiError(API_CODES.AMOUNT_FORMAT, 'amount must be a JSON string of whole rupiah, e.g. "150000"');
  }
  const whole = parseWireAmount(value, { zeroFraction: 'reject' });
  if (whole === undefined) {
    const problem = /^0\d/.test(value) ? 'must not have leading zeros' : 'must be whole rupiah digits without decimals or separators';
    throw new TarsPayApiError(API_CODES.AMOUNT_FORMAT, `amount ${problem}, got "${value}"`);
  }
  if (whole === '0') throw new TarsPayApiError(API_CODES.AMOUNT_FORMAT, 'amount cannot be zero');
  const amount = BigInt(whole);
  if (amount < limits.min || (limits.max !== undefined && amount > limits.max)) {
    const range = limits.max === undefined ? `at least ${limits.min}` : `from ${limits.min} to ${limits.max}`;
    throw new TarsPayApiError(API_CODES.AMOUNT_FORMAT, `${what} amount must be ${range} IDR, got ${value}`);
  }
  return amount;
}

export function requireHttpUrl(value: string, name: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new TarsPayApiError(API_CODES.URL_FORMAT, `${name} must be an absolute http(s) URL, got "${value}"`);
  }
  return value;
}

/** The inquiries' "choose one of payOrderId and mchOrderNo". */
export function orderIds(body: RequestBody): { payOrderId?: string; mchOrderNo?: string } {
  const payOrderId = optionalString(body, 'payOrderId');
  const mchOrderNo = optionalString(body, 'mchOrderNo');
  if (payOrderId === undefined && mchOrderNo === undefined) {
    throw new TarsPayApiError(API_CODES.MISSING_PARAMETER, 'payOrderId or mchOrderNo is required');
  }
  return { ...(payOrderId !== undefined && { payOrderId }), ...(mchOrderNo !== undefined && { mchOrderNo }) };
}

/** Whole numbers sent as JSON numbers or digit strings (both sign the same). */
export function optionalInteger(body: RequestBody, name: string, range: { min: number; max: number }): number | undefined {
  const value = body[name];
  if (isAbsent(value)) return undefined;
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < range.min || number > range.max) {
    throw new TarsPayApiError(API_CODES.MISSING_PARAMETER, `${name} must be a whole number from ${range.min} to ${range.max}`);
  }
  return number;
}

export function requiredInteger(body: RequestBody, name: string, range: { min: number; max: number }): number {
  const value = optionalInteger(body, name, range);
  if (value === undefined) throw new TarsPayApiError(API_CODES.MISSING_PARAMETER, `${name} is required`);
  return value;
}

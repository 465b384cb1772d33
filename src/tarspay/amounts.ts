/**
 * Amounts on TarsPay's wire: whole rupiah, as a JSON string of digits ("150000") or, in some
 * answers, a JSON number. One parser for every amount the gateway reads from TarsPay, so callbacks,
 * inquiries and balances can never disagree about what a valid amount is.
 */

/** At most 18 digits: every such amount fits PostgreSQL's bigint (and TarsPay's amounts are far smaller). */
const MAX_DIGITS = 18;
const WHOLE = new RegExp(`^(?:0|[1-9]\\d{0,${MAX_DIGITS - 1}})$`);
const WHOLE_WITH_ZERO_FRACTION = new RegExp(`^(0|[1-9]\\d{0,${MAX_DIGITS - 1}})\\.0+$`);

export interface WireAmountRules {
  /**
   * "150000.00": `'reject'` it (only digits are whole rupiah), or `'accept'` it as "150000" (its
   * value is a whole amount). A non-zero fraction ("1.5") is never accepted.
   */
  zeroFraction: 'reject' | 'accept';
}

/**
 * The amount as canonical whole-rupiah text ("0", "150000"), or undefined when `value` is not one:
 * a JSON number must be a safe non-negative integer; a string must be digits without sign, spaces
 * or leading zeros ("0" itself is fine), at most 18 of them. Negative, fractional, exponent, empty,
 * over-long, boolean, null and object values are all undefined: callers decide whether that is
 * "absent" or "malformed", never "zero".
 */
export function parseWireAmount(value: unknown, rules: WireAmountRules): string | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? String(value) : undefined;
  if (typeof value !== 'string') return undefined;
  if (WHOLE.test(value)) return value;
  if (rules.zeroFraction === 'accept') return WHOLE_WITH_ZERO_FRACTION.exec(value)?.[1];
  return undefined;
}

/**
 * The one reading of an amount TarsPay reports (callbacks, inquiries, balances): whole rupiah. TarsPay
 * documents digits ("150000"); "150000.00" names the same whole amount and is read as "150000" on
 * every path alike, so a payment is never refused on one path and applied on the other. Any other
 * fraction ("1050.50") is not whole rupiah: undefined, never rounded.
 */
export function readReportedAmount(value: unknown): string | undefined {
  return parseWireAmount(value, { zeroFraction: 'accept' });
}

const FEE = /^(?:0|[1-9]\d{0,17})(?:\.\d{1,8})?$/;

/**
 * TarsPay's `fee`, which is informational (the gateway never computes with it): its exact decimal
 * text ("1050.50" stays "1050.50"; no float ever touches it), or undefined when it is not a
 * non-negative decimal of at most 18 digits before the point and 8 after. A fee that cannot be read
 * is left out; it never stops a verified state from being applied.
 */
export function readFee(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? String(value) : undefined;
  return typeof value === 'string' && FEE.test(value) ? value : undefined;
}

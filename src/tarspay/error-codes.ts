/**
 * TarsPay's error codes, and what each one proves about a create. TarsPay's table names the codes
 * but never says whether an order exists after one; this is our reading, line by line.
 *
 * - `refused`: TarsPay checks this before it creates anything (parameters, merchant or key,
 *   signature, URL format, configuration, balance). The order does not exist: it is FAILED.
 * - `exists`: the answer proves TarsPay holds an order with this mchOrderNo.
 * - `could-not-check`: an inquiry failed. It says nothing about whether the order exists.
 * - `ambiguous`: TarsPay may have stored the order before failing (or the code is unknown). The
 *   order is UNKNOWN until TarsPay's own records settle it.
 */
export type CodeMeaning = 'refused' | 'exists' | 'could-not-check' | 'ambiguous';

/** Why a refusal happened, for the user-facing error code. */
export type RefusalReason = 'parameters' | 'merchant' | 'signature' | 'url' | 'configuration' | 'method' | 'balance';

export interface TarsPayCode {
  /** TarsPay's own text for the code. */
  message: string;
  meaning: CodeMeaning;
  reason?: RefusalReason;
  /** Why the code means what `meaning` says. */
  why: string;
}

const refused = (message: string, reason: RefusalReason, why: string): TarsPayCode => ({ message, meaning: 'refused', reason, why });
const ambiguous = (message: string, why: string): TarsPayCode => ({ message, meaning: 'ambiguous', why });

/** Every code in TarsPay's table. 5003005 and 5003010 appear twice there; both texts are kept. */
export const TARSPAY_CODES: Readonly<Record<number, TarsPayCode>> = {
  [-1]: ambiguous('System error', 'TarsPay failed on its side, possibly after storing the order'),
  5003001: refused('Missing parameter', 'parameters', 'parameters are checked before an order is created'),
  5003002: refused('Merchant or APIKey does not exist', 'merchant', 'the caller is identified before anything else'),
  5003003: refused('Merchant disabled', 'merchant', 'a disabled merchant cannot create orders'),
  5003004: refused('Merchant not certified', 'merchant', 'an uncertified merchant cannot create orders'),
  5003005: refused('Merchant or api key does not exist', 'merchant', 'the caller is identified before anything else'),
  5003006: refused('api key expired', 'merchant', 'the key is checked before the request is processed'),
  5003007: refused('ip error', 'merchant', 'the caller IP is checked before the request is processed'),
  5003008: refused('Signature error', 'signature', 'a request whose signature fails is never processed'),
  5003009: refused('Payment method not supported', 'method', 'the wayCode is checked before an order is created'),
  5003010: ambiguous('Order status error / Failed to create payment order', '"failed to create" may come after the order was written'),
  5003011: { message: 'Merchant order number already exists', meaning: 'exists', why: 'TarsPay holds an order with this mchOrderNo' },
  5003012: refused('URL format error', 'url', 'notifyUrl and returnUrl are checked before an order is created'),
  5003013: ambiguous('Channel error', 'the bank or wallet channel failed after TarsPay accepted the request'),
  5003014: refused('Merchant rate configuration is not initialized', 'configuration', 'configuration is checked before an order is created'),
  5003015: refused('Channel does not exist', 'method', 'the channel is looked up before an order is created'),
  5003017: ambiguous('Failed to create collection order', '"failed to create" may come after the order was written'),
  5003018: { message: 'Failed to check collection order', meaning: 'could-not-check', why: 'an inquiry failed; the order may well exist' },
  5003020: { message: 'Failed to query payment', meaning: 'could-not-check', why: 'an inquiry failed; the order may well exist' },
  5004006: refused('Insufficient merchant balance', 'balance', 'the balance is checked before a payout is created'),
  500321: refused('Amount format is incorrect', 'parameters', 'the amount is checked before an order is created'),
  500322: refused('URL not supported', 'url', 'the URLs are checked before an order is created'),
  500323: ambiguous('Remote client error', 'a downstream call failed; TarsPay may have stored the order first'),
  500324: ambiguous('Order expired', 'not a create refusal; its effect on a create is undocumented'),
  500326: ambiguous('Error in querying channel balance', 'a downstream call failed; TarsPay may have stored the order first'),
  500327: refused('Wrong payment method', 'method', 'the wayCode is checked before an order is created'),
};

export function describeTarsPayCode(code: number): TarsPayCode {
  return TARSPAY_CODES[code] ?? ambiguous(`TarsPay error ${code}`, 'an unknown code proves nothing');
}

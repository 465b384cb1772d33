import { TARSPAY_CODES } from '../tarspay/error-codes.js';

/**
 * A TarsPay error answer: `{"code": <code>, "msg": "<the doc's text>[: what was wrong]"}`.
 * The detail after the doc's text is the sandbox's own help; real TarsPay says less.
 */
export class TarsPayApiError extends Error {
  override name = 'TarsPayApiError';
  readonly code: number;

  constructor(code: number, detail?: string) {
    const text = code === 5003010 ? 'Order status error' : (TARSPAY_CODES[code]?.message ?? 'System error');
    super(detail ? `${text}: ${detail}` : text);
    this.code = code;
  }
}

export const API_CODES = {
  SYSTEM: -1,
  MISSING_PARAMETER: 5003001,
  UNKNOWN_MERCHANT: 5003002,
  SIGNATURE: 5003008,
  METHOD_NOT_SUPPORTED: 5003009,
  DUPLICATE_ORDER: 5003011,
  URL_FORMAT: 5003012,
  COLLECTION_NOT_FOUND: 5003018,
  PAYOUT_NOT_FOUND: 5003020,
  INSUFFICIENT_BALANCE: 5004006,
  AMOUNT_FORMAT: 500321,
} as const;

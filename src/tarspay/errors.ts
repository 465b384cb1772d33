import { describeErrorCode, type UpstreamErrorCategory } from './codes.js';

/**
 * - `rejected`: TarsPay answered with an error code. The outcome is known, except for code -1
 *   (system error), after which a create may or may not exist.
 * - `unavailable`: no answer (timeout, connection refused or dropped, HTTP 5xx without an envelope).
 * - `bad_response`: an answer we cannot trust (not JSON, no envelope, or a bad `sign` in strict mode).
 * For a create, anything but a known rejection means the order may exist at TarsPay: ask, don't resend.
 */
export type TarsPayErrorKind = 'rejected' | 'unavailable' | 'bad_response';

export class TarsPayError extends Error {
  override name = 'TarsPayError';
  readonly kind: TarsPayErrorKind;
  /** TarsPay's error code when it answered with one. */
  readonly code: number | undefined;
  readonly category: UpstreamErrorCategory | undefined;
  /** True when we know TarsPay did not act on the request. */
  readonly outcomeKnown: boolean;
  readonly endpoint: string;

  constructor(options: {
    kind: TarsPayErrorKind;
    endpoint: string;
    message: string;
    code?: number;
    cause?: unknown;
  }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = options.kind;
    this.endpoint = options.endpoint;
    this.code = options.code;
    this.category = options.code === undefined ? undefined : describeErrorCode(options.code).category;
    this.outcomeKnown = options.kind === 'rejected' && this.category !== 'SYSTEM';
  }

  static rejected(endpoint: string, code: number, upstreamMessage: string | undefined): TarsPayError {
    const known = describeErrorCode(code).message;
    const said = upstreamMessage && upstreamMessage !== known ? ` (TarsPay said: ${upstreamMessage})` : '';
    return new TarsPayError({ kind: 'rejected', endpoint, code, message: `TarsPay rejected ${endpoint}: ${code} ${known}${said}` });
  }
}

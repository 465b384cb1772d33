import { describeTarsPayCode, type CodeMeaning, type RefusalReason } from './error-codes.js';

/**
 * - `rejected`: TarsPay answered with an error code (verified when the response sign mode asks
 *   for it). What that proves depends on the code: see error-codes.ts.
 * - `unavailable`: no answer (timeout, connection refused or dropped, HTTP 5xx without an envelope).
 * - `bad_response`: an answer we cannot trust (not JSON, no envelope, or no valid `sign` in strict mode).
 * For a create, only a `refused` code or a request that never left proves there is no order.
 */
export type TarsPayErrorKind = 'rejected' | 'unavailable' | 'bad_response';

export class TarsPayError extends Error {
  override name = 'TarsPayError';
  readonly kind: TarsPayErrorKind;
  /** TarsPay's error code when it answered with one. */
  readonly code: number | undefined;
  readonly endpoint: string;
  /** The connection could not be made: not one byte of the request reached TarsPay. */
  readonly notSent: boolean;

  constructor(options: { kind: TarsPayErrorKind; endpoint: string; message: string; code?: number; notSent?: boolean; cause?: unknown }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = options.kind;
    this.endpoint = options.endpoint;
    this.code = options.code;
    this.notSent = options.notSent ?? false;
  }

  /** What TarsPay's code proves, for a verified error answer; undefined for every other failure. */
  get meaning(): CodeMeaning | undefined {
    return this.kind === 'rejected' && this.code !== undefined ? describeTarsPayCode(this.code).meaning : undefined;
  }

  get refusalReason(): RefusalReason | undefined {
    return this.meaning === 'refused' ? describeTarsPayCode(this.code!).reason : undefined;
  }

  static rejected(endpoint: string, code: number, upstreamMessage: string | undefined): TarsPayError {
    const known = describeTarsPayCode(code).message;
    const said = upstreamMessage && upstreamMessage !== known ? ` (TarsPay said: ${upstreamMessage})` : '';
    return new TarsPayError({ kind: 'rejected', endpoint, code, message: `TarsPay rejected ${endpoint}: ${code} ${known}${said}` });
  }
}

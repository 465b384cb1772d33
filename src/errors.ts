/**
 * Business errors: they reach clients as `userErrors` in mutation payloads (see
 * src/graphql/user-errors-plugin.ts), never as top-level errors. Messages say what was wrong and
 * what to do; they never carry secrets.
 */
export const USER_ERROR_CODES = [
  'VALIDATION',
  'IDEMPOTENCY_CONFLICT',
  'METHOD_NOT_SUPPORTED',
  'INSUFFICIENT_BALANCE',
  'UPSTREAM_REJECTED',
  'UPSTREAM_UNAVAILABLE',
  'NOT_FOUND',
  'SANDBOX_ONLY',
  'INVALID_STATE',
] as const;
export type UserErrorCode = (typeof USER_ERROR_CODES)[number];

export interface UserErrorDetail {
  code: UserErrorCode;
  message: string;
  field?: string[];
  upstreamCode?: number;
}

export class UserFacingError extends Error {
  override name = 'UserFacingError';
  readonly details: UserErrorDetail[];
  /** The order the error is about, when there is one to show (e.g. kept as UNKNOWN). */
  readonly order: unknown;

  constructor(details: UserErrorDetail | UserErrorDetail[], order?: unknown) {
    const list = Array.isArray(details) ? details : [details];
    super(list.map((detail) => detail.message).join('; '));
    this.details = list;
    this.order = order;
  }
}

export function validationError(field: string[], message: string): UserFacingError {
  return new UserFacingError({ code: 'VALIDATION', field, message });
}

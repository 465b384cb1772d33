/** Why a webhook request was refused, in the domain's words; src/user-errors.ts maps it for clients. */
export const WEBHOOK_ERROR_CODES = ['INVALID_INPUT', 'NOT_FOUND'] as const;
export type WebhookErrorCode = (typeof WEBHOOK_ERROR_CODES)[number];

export class WebhookError extends Error {
  override name = 'WebhookError';
  constructor(
    readonly code: WebhookErrorCode,
    message: string,
    /** The endpoint's field at fault (`url`, `query`), when one is. */
    readonly field?: string,
  ) {
    super(message);
  }
}

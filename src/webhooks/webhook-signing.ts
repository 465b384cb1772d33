import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): `webhook-signature` is
 * `v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">` under the secret's bytes,
 * one per secret in use, separated by spaces. A secret is `whsec_` and base64 of 32 random bytes.
 */

const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;

export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`;
}

/** The HMAC key a `whsec_…` secret holds. */
export function webhookSecretKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error('not a webhook secret (whsec_…)');
  return Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
}

export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** The three headers for `body`, signed with every key given (the current secret's first). */
export function signWebhook(messageId: string, body: string, keys: readonly Buffer[], now: Date = new Date()): WebhookHeaders {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const signed = `${messageId}.${timestamp}.${body}`;
  const signatures = keys.map((key) => `v1,${createHmac('sha256', key).update(signed).digest('base64')}`);
  return { 'webhook-id': messageId, 'webhook-timestamp': timestamp, 'webhook-signature': signatures.join(' ') };
}

/** The webhook-id of one event for one endpoint: the same on every retry and redelivery. */
export function webhookMessageId(endpointId: string, eventSeq: string): string {
  return `msg_${endpointId.replaceAll('-', '')}_${eventSeq}`;
}

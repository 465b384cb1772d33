import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { v7 as uuidv7 } from 'uuid';
import { Merchant } from '../merchants/merchant.entity.js';

/**
 * Where a merchant wants its order events POSTed, with the subscription document that shapes each
 * body and the endpoint's place in its merchant's event stream. The delivery worker
 * (webhook-worker.ts) moves `deliveredSeq` forward one event at a time, in commit order.
 */
export const WebhookEndpoint = defineEntity({
  name: 'WebhookEndpoint',
  tableName: 'webhook_endpoints',
  properties: (p) => ({
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    merchant: p.manyToOne(Merchant),
    url: p.text(),
    /** A GraphQL subscription document on orderEvents (checked when stored). */
    query: p.text(),
    description: p.text().nullable(),
    enabled: p.boolean().default(true),
    /** Why it was disabled: by the merchant, or by the gateway after retrying for WEBHOOK_RETRY_MAX_AGE_MS. */
    disabledReason: p.text().nullable(),
    /** The signing secret (`whsec_…`) sealed with the key ring (context `webhook_endpoints.secret:<id>`). */
    secretEncrypted: p.text().hidden(),
    /** The secret before the last rotation, still signing beside the new one until previousSecretExpiresAt. */
    previousSecretEncrypted: p.text().nullable(),
    previousSecretExpiresAt: p.datetime().nullable(),
    /** Every event of the merchant with seq ≤ this was delivered (or skipped by the document's filter). */
    deliveredSeq: p.bigint('string').default('0'),
    /** Failed attempts at the next event. */
    failedAttempts: p.integer().default(0),
    /** The first failed attempt at the next event: past WEBHOOK_RETRY_MAX_AGE_MS the endpoint is disabled. */
    failingSince: p.datetime().nullable(),
    nextAttemptAt: p.datetime().nullable(),
    /** The instance delivering for it now, and until when its claim holds (see webhook-claims.ts). */
    claimedBy: p.text().nullable(),
    claimedUntil: p.datetime().nullable(),
    createdAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  }),
  indexes: [{ name: 'webhook_endpoints_merchant_id_index', properties: ['merchant'] }],
});
export interface WebhookEndpoint extends InferEntity<typeof WebhookEndpoint> {}

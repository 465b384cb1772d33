import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { v7 as uuidv7 } from 'uuid';
import { Merchant } from '../merchants/merchant.entity.js';
import { WebhookEndpoint } from './webhook-endpoint.entity.js';

export const WEBHOOK_DELIVERY_STATUSES = ['SUCCEEDED', 'FAILED'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/** One attempt to deliver one event to one endpoint: the delivery log (webhookDeliveries). */
export const WebhookDelivery = defineEntity({
  name: 'WebhookDelivery',
  tableName: 'webhook_deliveries',
  properties: (p) => ({
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    endpoint: p.manyToOne(WebhookEndpoint).deleteRule('cascade'),
    merchant: p.manyToOne(Merchant),
    /** The event delivered: its seq and commit time make its cursor. */
    eventSeq: p.bigint('string'),
    eventCreatedAt: p.datetime(),
    /** The webhook-id header: the same on every attempt at this event for this endpoint. */
    messageId: p.text(),
    /** 1 for the first attempt at this event, then +1 (redeliveries included). */
    attempt: p.integer(),
    status: p.text().$type<WebhookDeliveryStatus>(),
    httpStatus: p.integer().nullable(),
    durationMs: p.integer().nullable(),
    /** At most 1 KB of the answer's body, or why there was none (timeout, refused address, …). */
    responseSnippet: p.text().nullable(),
    createdAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
  }),
  indexes: [{ name: 'webhook_deliveries_endpoint_id_id_index', properties: ['endpoint', 'id'] }],
});
export interface WebhookDelivery extends InferEntity<typeof WebhookDelivery> {}

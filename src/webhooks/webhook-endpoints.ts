import type { EntityManager } from '@mikro-orm/core';
import { v7 as uuidv7 } from 'uuid';
import type { KeyRing } from '../merchants/key-encryption.js';
import { Merchant } from '../merchants/merchant.entity.js';
import { WebhookDelivery, type WebhookDeliveryStatus } from './webhook-delivery.entity.js';
import type { WebhookDocuments } from './webhook-documents.js';
import { WebhookEndpoint } from './webhook-endpoint.entity.js';
import { WebhookError } from './webhook-errors.js';
import { webhookSecretContext } from './webhook-secrets.js';
import { generateWebhookSecret } from './webhook-signing.js';
import { checkWebhookUrl, type WebhookUrlPolicy } from './webhook-url.js';

export interface WebhookEndpointInput {
  url?: string | null;
  query?: string | null;
  description?: string | null;
  enabled?: boolean | null;
}

/** An endpoint with its new secret: shown once, on create and on rotate. */
export interface EndpointWithSecret {
  endpoint: WebhookEndpoint;
  secret: string;
}

export interface DeliveryPage {
  deliveries: WebhookDelivery[];
  hasNextPage: boolean;
}

export interface WebhookEndpointsOptions {
  keyRing: KeyRing;
  documents: WebhookDocuments;
  urlPolicy: WebhookUrlPolicy;
  /** How long the secret before a rotation keeps signing beside the new one (24 h). */
  previousSecretTtlMs?: number;
  /** An endpoint was created, enabled or moved: look for work now. */
  onChange?: () => void;
}

const MAX_DESCRIPTION = 500;
const MAX_ENDPOINTS_PER_MERCHANT = 20;
const DAY_MS = 86_400_000;

/** A merchant's webhook endpoints: register, change, delete, rotate the secret, replay; and the delivery log. */
export class WebhookEndpoints {
  constructor(private readonly options: WebhookEndpointsOptions) {}

  list(em: EntityManager, merchantId: string): Promise<WebhookEndpoint[]> {
    return em.find(WebhookEndpoint, { merchant: merchantId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  async get(em: EntityManager, merchantId: string, id: string | null, field = 'id'): Promise<WebhookEndpoint> {
    const endpoint = id ? await em.findOne(WebhookEndpoint, { id, merchant: merchantId }) : null;
    if (!endpoint) throw new WebhookError('NOT_FOUND', 'No webhook endpoint with this id for this merchant', field);
    return endpoint;
  }

  async create(em: EntityManager, merchantId: string, input: { url: string; query: string; description?: string | null }): Promise<EndpointWithSecret> {
    await checkWebhookUrl(input.url, this.options.urlPolicy);
    this.options.documents.check(input.query);
    checkDescription(input.description);
    if ((await em.count(WebhookEndpoint, { merchant: merchantId })) >= MAX_ENDPOINTS_PER_MERCHANT) {
      throw new WebhookError('INVALID_INPUT', `a merchant may have at most ${MAX_ENDPOINTS_PER_MERCHANT} webhook endpoints: delete one first`);
    }
    // Delivers what is committed from now on; webhookReplay reaches back.
    const { eventSeq } = await em.findOneOrFail(Merchant, merchantId, { fields: ['eventSeq'], refresh: true });
    const secret = generateWebhookSecret();
    const id = uuidv7();
    const endpoint = em.create(WebhookEndpoint, {
      id,
      merchant: em.getReference(Merchant, merchantId),
      url: input.url,
      query: input.query,
      description: input.description ?? null,
      enabled: true,
      secretEncrypted: this.options.keyRing.encrypt(secret, webhookSecretContext(id)),
      previousSecretEncrypted: null,
      deliveredSeq: eventSeq,
    });
    await em.flush();
    this.options.onChange?.();
    return { endpoint, secret };
  }

  async update(em: EntityManager, merchantId: string, id: string, input: WebhookEndpointInput): Promise<WebhookEndpoint> {
    const endpoint = await this.get(em, merchantId, id);
    if (input.url != null) {
      await checkWebhookUrl(input.url, this.options.urlPolicy);
      endpoint.url = input.url;
    }
    if (input.query != null) {
      this.options.documents.check(input.query);
      endpoint.query = input.query;
    }
    if (input.description !== undefined) {
      checkDescription(input.description);
      endpoint.description = input.description;
    }
    if (input.enabled === false && endpoint.enabled) {
      endpoint.enabled = false;
      endpoint.disabledReason = 'DISABLED: by the merchant';
    }
    if (input.enabled === true && !endpoint.enabled) resume(endpoint);
    await em.flush();
    this.options.onChange?.();
    return endpoint;
  }

  /** Deletes the endpoint and its delivery log; returns it as it was. */
  async delete(em: EntityManager, merchantId: string, id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.get(em, merchantId, id);
    await em.nativeDelete(WebhookDelivery, { endpoint: endpoint.id });
    await em.removeAndFlush(endpoint);
    return endpoint;
  }

  /** A new secret; the old one keeps signing beside it (both signatures sent) for 24 h. */
  async rotateSecret(em: EntityManager, merchantId: string, id: string): Promise<EndpointWithSecret> {
    const endpoint = await this.get(em, merchantId, id);
    const secret = generateWebhookSecret();
    endpoint.previousSecretEncrypted = endpoint.secretEncrypted;
    endpoint.previousSecretExpiresAt = new Date(Date.now() + (this.options.previousSecretTtlMs ?? DAY_MS));
    endpoint.secretEncrypted = this.options.keyRing.encrypt(secret, webhookSecretContext(endpoint.id));
    await em.flush();
    return { endpoint, secret };
  }

  /**
   * Delivers again every event committed after `afterSeq` (an event cursor's), in order, from the
   * next run on: the endpoint's place in the stream moves there and its retry state is cleared.
   */
  async replay(em: EntityManager, merchantId: string, id: string, afterSeq: bigint): Promise<WebhookEndpoint> {
    const endpoint = await this.get(em, merchantId, id);
    endpoint.deliveredSeq = afterSeq.toString();
    clearRetries(endpoint);
    await em.flush();
    this.options.onChange?.();
    return endpoint;
  }

  /** The endpoint's delivery attempts, newest first; `after` is a delivery's id (the previous page's last). */
  async deliveries(
    em: EntityManager,
    merchantId: string,
    endpointId: string,
    page: { first: number; after?: string | null; status?: WebhookDeliveryStatus | null },
  ): Promise<DeliveryPage> {
    const endpoint = await this.get(em, merchantId, endpointId, 'endpointId');
    const rows = await em.find(
      WebhookDelivery,
      {
        endpoint: endpoint.id,
        ...(page.after ? { id: { $lt: page.after } } : {}),
        ...(page.status ? { status: page.status } : {}),
      },
      { orderBy: { id: 'desc' }, limit: page.first + 1 },
    );
    return { deliveries: rows.slice(0, page.first), hasNextPage: rows.length > page.first };
  }
}

function checkDescription(description: string | null | undefined): void {
  if (description && description.length > MAX_DESCRIPTION) {
    throw new WebhookError('INVALID_INPUT', `description: at most ${MAX_DESCRIPTION} characters`, 'description');
  }
}

function clearRetries(endpoint: WebhookEndpoint): void {
  endpoint.failedAttempts = 0;
  endpoint.failingSince = null;
  endpoint.nextAttemptAt = null;
}

/** Enabled again: delivery resumes where it stopped, with a fresh retry period. */
function resume(endpoint: WebhookEndpoint): void {
  endpoint.enabled = true;
  endpoint.disabledReason = null;
  clearRetries(endpoint);
}

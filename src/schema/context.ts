import type { EntityManager } from '@mikro-orm/postgresql';
import type { LazyFork } from '../db/lazy-fork.js';
import type { ClientSecrets } from '../auth/client-secrets.js';
import type { Scope } from '../auth/scopes.js';
import type { LivePubSub } from '../live/pubsub.js';
import type { Merchant } from '../merchants/merchant.entity.js';
import type { EventFeed } from '../orders/event-feed.js';
import type { EventWaker } from '../orders/event-sequencer.js';
import type { OrderService } from '../orders/order.service.js';
import type { UpstreamClients } from '../tarspay/upstream.js';
import type { WebhookEndpoints } from '../webhooks/webhook-endpoints.js';
import type { WebhookWorker } from '../webhooks/webhook-worker.js';
import type { StreamPosition } from '../lib/stream-position.js';

export interface AuthInfo {
  merchant: Merchant;
  scopes: readonly Scope[];
  /** The token's id, or the client secret's. */
  tokenId: string;
  /** Set when a client secret authenticated: the one order it reaches (see src/auth/client-secrets.ts). */
  orderId: string | null;
}

/** What resolvers can reach, shared by every request. */
export interface GatewayServices {
  orders: OrderService;
  upstream: UpstreamClients;
  /** The sandbox's base URL when it is the upstream (sandbox controls are refused otherwise). */
  sandboxUrl: string | null;
  /** Committed order changes, to every instance's subscribers. */
  live: LivePubSub;
  /** The merchants' order events: pages and resumable streams. */
  events: EventFeed;
  /** Numbers committed order events (a read that finds some unnumbered waits for it). */
  sequencer: EventWaker;
  /** Collections' client secrets: issued at create, read again with orders:read. */
  clientSecrets: ClientSecrets;
  /** Merchants' webhook endpoints and their delivery log. */
  webhooks: WebhookEndpoints;
  /** Delivers order events to webhook endpoints (and redelivers on request). */
  webhookDelivery: WebhookWorker;
}

export interface GraphQLContext {
  /** This request's own EntityManager fork, made on first use: read it with emOf(context). */
  entityManager: LazyFork;
  auth: AuthInfo | null;
  services: GatewayServices;
  requestId: string;
  /** A WebSocket subscription whose stream may move to a shared execution (orderEvents): how far it has read. */
  streamPosition?: StreamPosition;
}

/** The request's EntityManager (a fork of its own, made now if it was not yet). */
export function emOf(context: GraphQLContext): EntityManager {
  return context.entityManager.get();
}

/** The authenticated merchant; scope-auth has already refused unauthenticated calls. */
export function merchantOf(context: GraphQLContext): Merchant {
  if (!context.auth) throw new Error('resolver reached without authentication');
  return context.auth.merchant;
}

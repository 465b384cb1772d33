import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { Query } from '../db/sql.js';
import { v7 as uuidv7 } from 'uuid';
import type { KeyRing } from '../merchants/key-encryption.js';
import { ClientSecret } from './client-secret.entity.js';
import { authCache, hashToken, isTokenActive, type AuthCache, type Authenticated } from './tokens.js';

/**
 * Client secrets: what a merchant's server hands a browser instead of its token (Stripe's
 * PaymentIntent client_secret). One per collection, random, recognisable by its prefix. It reaches
 * that order only: read it, follow it, and (against the sandbox) simulate its payment. Looked up
 * by SHA-256 through the tokens' cache; kept sealed under the key ring beside its hash (not hashed
 * only) so that a token with orders:read can read it again later (Order.clientSecret).
 */
export const CLIENT_SECRET_PREFIX = 'tpcs_';
const CLIENT_SECRET_PATTERN = /^tpcs_[A-Za-z0-9_-]{43}$/;

/** How long a client secret outlives its order's expiry: a payer finishing late still sees the outcome. */
export const CLIENT_SECRET_GRACE_MS = 60 * 60_000;
/** For an order without an expiry (none today: every collection has one). */
const NO_EXPIRY_LIFETIME_MS = 24 * 60 * 60_000;

export function isClientSecretText(text: string): boolean {
  return CLIENT_SECRET_PATTERN.test(text);
}

function sealingContext(orderId: string): string {
  return `client-secret:${orderId}`;
}

/** Issues client secrets and reads them again; needs the key ring that seals them. */
export class ClientSecrets {
  constructor(
    private readonly keyRing: KeyRing,
    private readonly query: Query,
  ) {}

  /**
   * The order's client secret: made now if it has none (idempotent, so a retried create gets the
   * same one). Null when it was revoked: a revoked secret is never handed out again.
   */
  async issue(order: { id: string; merchantId: string; expiresAt: Date | null; createdAt?: Date }): Promise<string | null> {
    const secret = `${CLIENT_SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
    const expiresAt = new Date((order.expiresAt?.getTime() ?? (order.createdAt ?? new Date()).getTime() + NO_EXPIRY_LIFETIME_MS) + CLIENT_SECRET_GRACE_MS);
    const inserted = await this.query(
      `insert into client_secrets (id, order_id, merchant_id, secret_hash, secret_encrypted, expires_at)
       values ($1, $2, $3, $4, $5, $6) on conflict (order_id) do nothing returning id`,
      [uuidv7(), order.id, order.merchantId, hashToken(secret), this.keyRing.encrypt(secret, sealingContext(order.id)), expiresAt],
    );
    return inserted.length > 0 ? secret : this.reveal(order.id);
  }

  /** The order's client secret as issued; null when it has none or it was revoked. */
  async reveal(orderId: string): Promise<string | null> {
    const [row] = await this.query<{ secret_encrypted: string; revoked_at: Date | null }>(
      'select secret_encrypted, revoked_at from client_secrets where order_id = $1',
      [orderId],
    );
    if (!row || row.revoked_at) return null;
    return this.keyRing.decrypt(row.secret_encrypted, sealingContext(orderId));
  }
}

/**
 * The merchant and order a client secret reaches, or null when it is unknown, malformed, revoked or
 * past its order's expiry (plus the grace period). Cached like tokens (see AuthCache): a revocation
 * in this process stops it at once, one by another process within the cache's TTL.
 */
export async function authenticateClientSecret(
  entityManager: () => EntityManager,
  text: string,
  options: { cache?: AuthCache } = {},
): Promise<Authenticated | null> {
  if (!isClientSecretText(text)) return null;
  const presented = hashToken(text);
  const cached = options.cache?.get(presented, Date.now());
  if (cached) return { ...cached, scopes: [] };
  const row = await entityManager().findOne(ClientSecret, { secretHash: presented }, { populate: ['merchant'] });
  if (!row || !isTokenActive(row)) return null;
  if (!timingSafeEqual(Buffer.from(row.secretHash, 'hex'), Buffer.from(presented, 'hex'))) return null;
  const authenticated: Authenticated = {
    apiToken: { id: row.id, revokedAt: row.revokedAt ?? null, expiresAt: row.expiresAt, trustedDocumentsOnly: false, operations: null },
    merchant: row.merchant,
    scopes: [],
    orderId: row.order.id,
  };
  options.cache?.set(presented, authenticated);
  return { ...authenticated, scopes: [] };
}

/** Revokes the order's client secret (idempotent); returns it, or null when the order has none. */
export async function revokeClientSecret(em: EntityManager, orderId: string): Promise<ClientSecret | null> {
  const row = await em.findOne(ClientSecret, { order: orderId });
  if (!row) return null;
  row.revokedAt ??= new Date();
  await em.flush();
  authCache.forgetToken(row.id);
  return row;
}

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { LRUCache } from 'lru-cache';
import type { Merchant } from '../merchants/merchant.entity.js';
import { ApiToken } from './api-token.entity.js';
import type { Scope } from './scopes.js';

/** Every token starts with this, so leaked tokens are recognisable (secret scanners, logs). */
export const TOKEN_PREFIX = 'tpg_';
const TOKEN_PATTERN = /^tpg_[A-Za-z0-9_-]{43}$/;

/** `lastUsedAt` is written at most this often per token: no write per request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface CreatedApiToken {
  /** The token text: shown once, never stored. */
  token: string;
  apiToken: ApiToken;
}

/**
 * Creates a token for `merchant` and flushes. Only the SHA-256 of the returned `token` is stored.
 * With `expiresAt`, the token is refused from that instant on, as if revoked. With
 * `trustedDocumentsOnly`, it may run the gateway's trusted documents only, sent by hash.
 */
export async function createApiToken(
  em: EntityManager,
  input: {
    merchant: Merchant;
    name: string;
    scopes: readonly Scope[];
    expiresAt?: Date | null;
    trustedDocumentsOnly?: boolean;
    /** Limits the token to these shipped operations (by name), sent by hash: it is then trusted-documents-only too. */
    operations?: readonly string[] | null;
  },
): Promise<CreatedApiToken> {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const apiToken = em.create(ApiToken, {
    merchant: input.merchant,
    name: input.name,
    tokenHash: hashToken(token),
    scopes: [...input.scopes],
    expiresAt: input.expiresAt ?? null,
    trustedDocumentsOnly: (input.trustedDocumentsOnly ?? false) || Boolean(input.operations?.length),
    operations: input.operations?.length ? [...input.operations] : null,
  });
  await em.flush();
  return { token, apiToken };
}

/** Neither revoked nor past its expiry. */
export function isTokenActive(apiToken: { revokedAt?: Date | null; expiresAt?: Date | null }, now = Date.now()): boolean {
  return !apiToken.revokedAt && (!apiToken.expiresAt || apiToken.expiresAt.getTime() > now);
}

/** What a request presented, as the gateway checks it: an API token, or an order's client secret (client-secrets.ts). */
export interface Credential {
  id: string;
  revokedAt?: Date | null;
  expiresAt?: Date | null;
  lastUsedAt?: Date | null;
  trustedDocumentsOnly: boolean;
  /** The shipped operations (by name) it may run, or null/undefined: any. */
  operations?: string[] | null;
}

export interface Authenticated {
  /** The API token, or a client secret's stand-in for one (its id is the client secret's). */
  apiToken: Credential;
  merchant: Merchant;
  scopes: Scope[];
  /** Set for a client secret: the one order it reaches. */
  orderId?: string;
}

/** An API token's authentication (authenticateToken). */
export interface TokenAuthenticated extends Authenticated {
  apiToken: ApiToken;
}

/** How long a successful lookup is reused by a gateway (see AuthCache). */
export const AUTH_CACHE_TTL_MS = 5_000;
const AUTH_CACHE_LIMIT = 10_000;

/**
 * Successful token lookups by token hash, reused for a few seconds so that a busy token does not
 * cost a database query on every request. Only valid tokens are kept (an unknown token is looked
 * up every time), the least recently used first out past the limit. A token revoked by revokeApiToken in this
 * process stops at once; one revoked by another process (the CLI) stops within the TTL. The
 * cached entities were loaded by an earlier request's EntityManager: read them, never persist them.
 */
export class AuthCache {
  readonly #entries: LRUCache<string, Authenticated>;

  constructor(options: { ttlMs: number; limit: number } = { ttlMs: AUTH_CACHE_TTL_MS, limit: AUTH_CACHE_LIMIT }) {
    this.#entries = new LRUCache({ max: options.limit, ttl: options.ttlMs });
  }

  get(tokenHash: string, now = Date.now()): Authenticated | undefined {
    const auth = this.#entries.get(tokenHash);
    if (!auth || isTokenActive(auth.apiToken, now)) return auth;
    this.#entries.delete(tokenHash);
    return undefined;
  }

  set(tokenHash: string, auth: Authenticated): void {
    this.#entries.set(tokenHash, auth);
  }

  forgetToken(tokenId: string): void {
    const hashes = [...this.#entries.entries()].filter(([, auth]) => auth.apiToken.id === tokenId).map(([hash]) => hash);
    for (const hash of hashes) this.#entries.delete(hash);
  }

  clear(): void {
    this.#entries.clear();
  }
}

/** The gateway's cache: one per process, so that revokeApiToken reaches it. */
export const authCache = new AuthCache();

/**
 * The token's merchant and scopes, or null when the token is unknown, malformed, revoked or expired.
 * Accepts the bare token or the whole `Bearer …` header value. The lookup is by SHA-256, so its
 * timing says nothing about the secret. Refreshes `lastUsedAt` at most once a minute. With a
 * `cache`, a lookup made within its TTL is reused (see AuthCache).
 */
export async function authenticateToken(
  entityManager: EntityManager | (() => EntityManager),
  bearerValue: string | null | undefined,
  options: { cache?: AuthCache } = {},
): Promise<TokenAuthenticated | null> {
  if (typeof bearerValue !== 'string') return null;
  // Only a lookup or a lastUsedAt refresh needs one: a cached token within the minute needs none.
  const emOf = typeof entityManager === 'function' ? entityManager : () => entityManager;
  const token = bearerValue.trim().replace(/^bearer\s+/i, '');
  if (!TOKEN_PATTERN.test(token)) return null;
  const presented = hashToken(token);
  const cached = options.cache?.get(presented, Date.now());
  if (cached) {
    const { apiToken } = cached;
    const now = new Date();
    if (!apiToken.lastUsedAt || now.getTime() - apiToken.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
      await emOf().nativeUpdate(ApiToken, { id: apiToken.id }, { lastUsedAt: now });
      apiToken.lastUsedAt = now;
    }
    return { ...(cached as TokenAuthenticated), scopes: [...cached.scopes] };
  }
  const em = emOf();
  const apiToken = await em.findOne(ApiToken, { tokenHash: presented }, { populate: ['merchant'] });
  if (!apiToken || !isTokenActive(apiToken)) return null;
  // The index found it by hash already; compare again in constant time so no path leaks timing.
  if (!timingSafeEqual(Buffer.from(apiToken.tokenHash, 'hex'), Buffer.from(presented, 'hex'))) return null;
  const now = new Date();
  if (!apiToken.lastUsedAt || now.getTime() - apiToken.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    // A direct UPDATE, not a flush: it must not carry along whatever else the caller's em holds.
    await em.nativeUpdate(ApiToken, { id: apiToken.id }, { lastUsedAt: now });
    apiToken.lastUsedAt = now;
    // Tell the identity map the row already holds this value, or the caller's next flush writes it again.
    const original = em.getUnitOfWork().getOriginalEntityData(apiToken);
    if (original) original.lastUsedAt = em.getComparator().prepareEntity(apiToken).lastUsedAt;
  }
  const authenticated: TokenAuthenticated = { apiToken, merchant: apiToken.merchant, scopes: [...apiToken.scopes] };
  options.cache?.set(presented, authenticated);
  return { ...authenticated, scopes: [...authenticated.scopes] };
}

/** Marks the token revoked (idempotent); returns it, or null when no token has that id. */
export async function revokeApiToken(em: EntityManager, id: string): Promise<ApiToken | null> {
  const apiToken = await em.findOne(ApiToken, { id });
  if (!apiToken) return null;
  apiToken.revokedAt ??= new Date();
  await em.flush();
  authCache.forgetToken(apiToken.id);
  return apiToken;
}

/**
 * Which of `ids` are still active (not revoked, not expired, not deleted), by the database's clock:
 * one query for every token (and client secret) of every open WebSocket connection of this instance
 * (one per 5,000, to stay far below PostgreSQL's limit on parameters).
 */
export async function findActiveTokenIds(em: EntityManager, ids: readonly string[]): Promise<Set<string>> {
  const active = new Set<string>();
  for (let start = 0; start < ids.length; start += 5000) {
    const rows = (await em.getConnection().execute(
      `select id from api_tokens where id in (?) and revoked_at is null and (expires_at is null or expires_at > now())
         union all select id from client_secrets where id in (?) and revoked_at is null and expires_at > now()`,
      [ids.slice(start, start + 5000), ids.slice(start, start + 5000)],
    )) as Array<{ id: string }>;
    for (const row of rows) active.add(row.id);
  }
  return active;
}

/** The merchant's tokens, newest first (hashes stay hidden from serialisation). */
export function listApiTokens(em: EntityManager, merchant: Merchant): Promise<ApiToken[]> {
  return em.find(ApiToken, { merchant }, { orderBy: { createdAt: 'desc', id: 'desc' } });
}

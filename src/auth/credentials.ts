import type { EntityManager } from '@mikro-orm/core';
import { authenticateClientSecret, isClientSecretText } from './client-secrets.js';
import { authenticateToken, type AuthCache, type Authenticated } from './tokens.js';

/**
 * A presented bearer value (the whole `Bearer …` header value or the bare text): an API token or
 * an order's client secret, told apart by their prefixes. Null when it authenticates as neither.
 */
export function authenticateCredential(
  entityManager: () => EntityManager,
  bearerValue: string | null | undefined,
  options: { cache?: AuthCache } = {},
): Promise<Authenticated | null> {
  if (typeof bearerValue !== 'string') return Promise.resolve(null);
  const text = bearerValue.trim().replace(/^bearer\s+/i, '');
  return isClientSecretText(text) ? authenticateClientSecret(entityManager, text, options) : authenticateToken(entityManager, text, options);
}

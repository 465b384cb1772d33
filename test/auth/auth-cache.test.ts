import { afterAll, beforeAll, expect, it } from 'vitest';
import { AuthCache, authCache, authenticateToken, createApiToken, revokeApiToken } from '../../src/auth/tokens.js';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { upsertMerchant } from '../../src/merchants/merchant.service.js';
import { generateKeyPair } from '../../src/tarspay/signer.js';
import { createTestOrm, type TestOrm } from '../helpers/database.js';

const statements: string[] = [];
let db: TestOrm;
let merchant: Merchant;

beforeAll(async () => {
  db = await createTestOrm({ onQuery: (sql) => statements.push(sql) });
  merchant = await upsertMerchant(db.orm.em.fork(), db.keyRing, {
    mchNo: 'M-CACHE',
    privateKeyHex: generateKeyPair().privateKey,
    platformPublicKey: generateKeyPair().publicKey,
  });
});
afterAll(() => db?.close());

const lookups = () => statements.filter((sql) => /from "api_tokens"/.test(sql)).length;

it('reuses a lookup within the TTL: no query for a token seen a moment ago', async () => {
  const cache = new AuthCache({ ttlMs: 60_000, limit: 10 });
  const { token, apiToken } = await createApiToken(db.orm.em.fork(), { merchant, name: 'cached', scopes: ['orders:read'] });
  statements.length = 0;
  const first = await authenticateToken(db.orm.em.fork(), token, { cache });
  const second = await authenticateToken(db.orm.em.fork(), `Bearer ${token}`, { cache });
  expect(lookups()).toBe(1);
  expect(second?.apiToken.id).toBe(apiToken.id);
  expect(second?.merchant.mchNo).toBe('M-CACHE');
  expect(second?.scopes).toEqual(first?.scopes);
});

it('looks again once the TTL has passed, and never caches an unknown token', async () => {
  const cache = new AuthCache({ ttlMs: 1, limit: 10 });
  const { token } = await createApiToken(db.orm.em.fork(), { merchant, name: 'short', scopes: ['orders:read'] });
  await authenticateToken(db.orm.em.fork(), token, { cache });
  await new Promise((resolve) => setTimeout(resolve, 5));
  statements.length = 0;
  await authenticateToken(db.orm.em.fork(), token, { cache });
  const unknown = `tpg_${'A'.repeat(43)}`;
  expect(await authenticateToken(db.orm.em.fork(), unknown, { cache })).toBeNull();
  expect(await authenticateToken(db.orm.em.fork(), unknown, { cache })).toBeNull();
  expect(lookups()).toBe(3);
});

it('forgets a token revoked in this process at once', async () => {
  const { token, apiToken } = await createApiToken(db.orm.em.fork(), { merchant, name: 'revoked', scopes: ['orders:read'] });
  expect(await authenticateToken(db.orm.em.fork(), token, { cache: authCache })).not.toBeNull();
  await revokeApiToken(db.orm.em.fork(), apiToken.id);
  expect(await authenticateToken(db.orm.em.fork(), token, { cache: authCache })).toBeNull();
});

it('keeps at most `limit` tokens, dropping the oldest', async () => {
  const cache = new AuthCache({ ttlMs: 60_000, limit: 2 });
  const tokens = await Promise.all([1, 2, 3].map((n) => createApiToken(db.orm.em.fork(), { merchant, name: `lru ${n}`, scopes: ['orders:read'] })));
  for (const { token } of tokens) await authenticateToken(db.orm.em.fork(), token, { cache });
  statements.length = 0;
  await authenticateToken(db.orm.em.fork(), tokens[2]!.token, { cache });
  await authenticateToken(db.orm.em.fork(), tokens[0]!.token, { cache });
  expect(lookups()).toBe(1);
});

it('never serves a cached token past its expiry', async () => {
  const cache = new AuthCache({ ttlMs: 60_000, limit: 10 });
  const expiresAt = new Date(Date.now() + 300);
  const { token } = await createApiToken(db.orm.em.fork(), { merchant, name: 'expiring', scopes: ['orders:read'], expiresAt });
  expect(await authenticateToken(db.orm.em.fork(), token, { cache })).not.toBeNull();
  await new Promise((resolve) => setTimeout(resolve, expiresAt.getTime() - Date.now() + 20));
  expect(await authenticateToken(db.orm.em.fork(), token, { cache })).toBeNull();
});

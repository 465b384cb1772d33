import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiToken } from '../../src/auth/api-token.entity.js';
import { AuthCache, authenticateToken, createApiToken, findActiveTokenIds, hashToken, listApiTokens, revokeApiToken } from '../../src/auth/tokens.js';
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
    mchNo: 'M-TOK',
    privateKeyHex: generateKeyPair().privateKey,
    platformPublicKey: generateKeyPair().publicKey,
  });
});
afterAll(() => db?.close());

const create = (name = 'test', scopes = ['orders:read', 'balance:read'] as const) => createApiToken(db.orm.em.fork(), { merchant, name, scopes: [...scopes] });

describe('API tokens', () => {
  it('create a tpg_ token that authenticates, bare or as a Bearer value', async () => {
    const { token, apiToken } = await create();
    expect(token).toMatch(/^tpg_[A-Za-z0-9_-]{43}$/);
    for (const value of [token, `Bearer ${token}`, `bearer  ${token} `]) {
      const auth = await authenticateToken(db.orm.em.fork(), value);
      expect(auth?.apiToken.id).toBe(apiToken.id);
      expect(auth?.merchant.mchNo).toBe('M-TOK');
      expect(auth?.scopes).toEqual(['orders:read', 'balance:read']);
    }
  });

  it('carry trusted-documents-only from creation to every lookup, cached or not; unrestricted unless asked', async () => {
    const { token } = await createApiToken(db.orm.em.fork(), { merchant, name: 'browser', scopes: ['collections:write'], trustedDocumentsOnly: true });
    const { token: plain } = await create();
    const cache = new AuthCache();
    for (let lookup = 0; lookup < 2; lookup += 1) {
      expect((await authenticateToken(db.orm.em.fork(), token, { cache }))?.apiToken.trustedDocumentsOnly).toBe(true);
      expect((await authenticateToken(db.orm.em.fork(), plain, { cache }))?.apiToken.trustedDocumentsOnly).toBe(false);
    }
    const rows = await db.orm.em.fork().getConnection().execute('select trusted_documents_only from api_tokens where name = ?', ['browser']);
    expect(rows).toEqual([{ trusted_documents_only: true }]);
  });

  it('reject wrong, malformed and missing tokens', async () => {
    const { token } = await create();
    const em = db.orm.em.fork();
    const wrong = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    expect(await authenticateToken(em, wrong)).toBeNull();
    expect(await authenticateToken(em, `tpg_${'x'.repeat(43)}`)).toBeNull();
    expect(await authenticateToken(em, 'Bearer ')).toBeNull();
    expect(await authenticateToken(em, "tpg_' or 1=1 --")).toBeNull();
    expect(await authenticateToken(em, '')).toBeNull();
    expect(await authenticateToken(em, undefined)).toBeNull();
    expect(await authenticateToken(em, null)).toBeNull();
  });

  it('stop working once revoked', async () => {
    const { token, apiToken } = await create('to revoke');
    const revoked = await revokeApiToken(db.orm.em.fork(), apiToken.id);
    expect(revoked?.revokedAt).toBeInstanceOf(Date);
    expect(await authenticateToken(db.orm.em.fork(), token)).toBeNull();
    // Revoking again keeps the first revocation time; unknown ids give null.
    const again = await revokeApiToken(db.orm.em.fork(), apiToken.id);
    expect(again?.revokedAt?.getTime()).toBe(revoked?.revokedAt?.getTime());
    expect(await revokeApiToken(db.orm.em.fork(), '00000000-0000-7000-8000-000000000000')).toBeNull();
  });

  it('stop working once expired, like revoked ones', async () => {
    const em = db.orm.em.fork();
    const expired = await createApiToken(em, { merchant, name: 'expired', scopes: ['orders:read'], expiresAt: new Date(Date.now() - 1000) });
    const later = await createApiToken(em, { merchant, name: 'expires later', scopes: ['orders:read'], expiresAt: new Date(Date.now() + 3_600_000) });
    expect(await authenticateToken(db.orm.em.fork(), expired.token)).toBeNull();
    expect((await authenticateToken(db.orm.em.fork(), later.token))?.apiToken.id).toBe(later.apiToken.id);
  });

  it('findActiveTokenIds answers for many tokens in one query: revoked, expired and unknown ones are not active', async () => {
    const em = db.orm.em.fork();
    const [active, revoked, expired] = await Promise.all([
      create('active'),
      create('revoked'),
      createApiToken(em, { merchant, name: 'expired', scopes: ['orders:read'], expiresAt: new Date(Date.now() - 1) }),
    ]);
    // Revoked by another process: a plain row update, as the CLI does it elsewhere.
    await db.orm.em.fork().getConnection().execute('update api_tokens set revoked_at = now() where id = ?', [revoked.apiToken.id]);
    const unknown = '00000000-0000-7000-8000-000000000000';
    statements.length = 0;
    const found = await findActiveTokenIds(db.orm.em.fork(), [active.apiToken.id, revoked.apiToken.id, expired.apiToken.id, unknown]);
    expect([...found]).toEqual([active.apiToken.id]);
    expect(statements.filter((sql) => /api_tokens/.test(sql))).toHaveLength(1);
  });

  it('store only the SHA-256 of the token', async () => {
    const { token, apiToken } = await create('hash only');
    const rows = await db.orm.em.getConnection().execute('select * from api_tokens');
    const everything = JSON.stringify(rows);
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(token.slice(4)); // not even without its prefix
    expect(everything).toContain(hashToken(token));
    expect(hashToken(token)).toMatch(/^[0-9a-f]{64}$/);
    // And the hash stays out of serialised entities.
    expect(JSON.stringify(apiToken)).not.toContain(hashToken(token));
  });

  it('write lastUsedAt at most once a minute, and never again on the caller’s flush', async () => {
    const { token } = await create('last used');
    statements.length = 0;
    const em = db.orm.em.fork();
    const first = await authenticateToken(em, token);
    expect(first?.apiToken.lastUsedAt).toBeInstanceOf(Date);
    await em.flush();
    await authenticateToken(db.orm.em.fork(), token);
    await authenticateToken(db.orm.em.fork(), token);
    const updates = statements.filter((sql) => /^update "api_tokens"/.test(sql));
    expect(updates).toHaveLength(1);

    const stored = await db.orm.em.fork().findOneOrFail(ApiToken, first!.apiToken.id);
    expect(stored.lastUsedAt?.getTime()).toBe(first!.apiToken.lastUsedAt!.getTime());
  });

  it('are listed newest first for their merchant', async () => {
    const names = (await listApiTokens(db.orm.em.fork(), merchant)).map((t) => t.name);
    expect(names[0]).toBe('last used');
    expect(names).toContain('to revoke');
  });
});

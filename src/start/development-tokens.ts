import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ApiToken } from '../auth/api-token.entity.js';
import { SCOPES, type Scope } from '../auth/scopes.js';
import { createApiToken, hashToken, isTokenActive } from '../auth/tokens.js';
import type { Merchant } from '../merchants/merchant.entity.js';

/** What the demo checkout's server side needs to create a collection: nothing more. */
export const DEMO_SCOPES = ['collections:write'] as const satisfies readonly Scope[];
/** The one operation that token may run (see `token create --operations`). */
export const DEMO_OPERATIONS = ['DemoCreateCollection'] as const;

/**
 * The tokens `npm start` keeps in development, one per purpose: `development` (every scope, printed
 * for GraphiQL) and `demo` (the demo checkout's server side, POST /demo/orders: it never leaves the
 * gateway's process; the page gets an order's client secret only).
 */
const PURPOSES = {
  development: { name: 'development token (npm start)', scopes: SCOPES, operations: null },
  demo: { name: 'demo checkout (npm start)', scopes: DEMO_SCOPES, operations: DEMO_OPERATIONS },
} as const;
export type DevelopmentTokenPurpose = keyof typeof PURPOSES;

/** `${DATA_DIR}/development-tokens.json` (mode 0600): the plaintext of the development tokens, which the database keeps only hashed. */
export function developmentTokensPath(dataDir: string): string {
  return join(dataDir, 'development-tokens.json');
}

function readKept(path: string): Partial<Record<DevelopmentTokenPurpose, string>> {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' ? parsed : {};
  } catch {
    return {};
  }
}

function writeKept(path: string, tokens: Record<DevelopmentTokenPurpose, string>): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

/** The kept token still is this merchant's active token for the purpose, with the purpose's scopes. */
async function stillValid(em: EntityManager, merchant: Merchant, purpose: DevelopmentTokenPurpose, token: string | undefined): Promise<boolean> {
  if (typeof token !== 'string') return false;
  const found = await em.findOne(ApiToken, { tokenHash: hashToken(token), merchant, purpose });
  const wanted = PURPOSES[purpose];
  return (
    !!found &&
    isTokenActive(found) &&
    (found.operations ?? []).join(',') === (wanted.operations ?? []).join(',') &&
    [...found.scopes].sort().join(',') === [...wanted.scopes].sort().join(',')
  );
}

/**
 * The development tokens, reused across starts: each purpose's token kept in DATA_DIR is used again
 * while the database still knows it (same hash, same merchant, not revoked or expired, same scopes).
 * Otherwise a new one is made, the merchant's earlier tokens of that purpose are revoked, and the
 * file is rewritten. Development only: production never makes a token at start.
 */
export async function ensureDevelopmentTokens(em: EntityManager, merchant: Merchant, dataDir: string): Promise<Record<DevelopmentTokenPurpose, string>> {
  const path = developmentTokensPath(dataDir);
  const kept = readKept(path);
  const tokens = {} as Record<DevelopmentTokenPurpose, string>;
  let changed = false;
  for (const purpose of Object.keys(PURPOSES) as DevelopmentTokenPurpose[]) {
    if (await stillValid(em, merchant, purpose, kept[purpose])) {
      tokens[purpose] = kept[purpose]!;
      continue;
    }
    await em.nativeUpdate(ApiToken, { merchant, purpose, revokedAt: null }, { revokedAt: new Date() });
    const { name, scopes, operations } = PURPOSES[purpose];
    const created = await createApiToken(em, { merchant, name, scopes, operations });
    created.apiToken.purpose = purpose;
    await em.flush();
    tokens[purpose] = created.token;
    changed = true;
  }
  if (changed) writeKept(path, tokens);
  return tokens;
}

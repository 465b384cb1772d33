import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { v7 as uuidv7 } from 'uuid';
import { Merchant } from '../merchants/merchant.entity.js';
import type { Scope } from './scopes.js';

/** An API token of one merchant. Only the SHA-256 of the token is stored. */
export const ApiToken = defineEntity({
  name: 'ApiToken',
  tableName: 'api_tokens',
  properties: (p) => ({
    id: p
      .uuid()
      .primary()
      .onCreate(() => uuidv7()),
    merchant: p.manyToOne(Merchant),
    name: p.text(),
    /** SHA-256 hex of the token text. */
    tokenHash: p.text().unique().hidden(),
    scopes: p.array<Scope>(),
    createdAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
    lastUsedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    /** Past this instant the token is refused, as if revoked. Null: it does not expire. */
    expiresAt: p.datetime().nullable(),
    /** The token may run only the gateway's trusted documents (sent by hash), never operation text: for browsers. */
    trustedDocumentsOnly: p.boolean().default(false),
    /** What `npm start` made it for in development (`development`, `demo`): reused at every start. Null for tokens made with the CLI. */
    purpose: p.text().nullable(),
    /** When set, the token may run only these shipped operations, by name (sent by hash). Null: any operation. */
    operations: p.array<string>().nullable(),
  }),
});
export interface ApiToken extends InferEntity<typeof ApiToken> {}

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/auth/tokens.js';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, collectionInput } from '../helpers/operations.js';
import { openRaw, type RawConnection } from '../helpers/raw-ws.js';
import { waitFor } from '../helpers/wait.js';
import { collect, wsClient } from '../helpers/ws-client.js';

let t: TestGateway;
let merchant: Merchant;
const opened: RawConnection[] = [];

beforeAll(async () => {
  t = await startTestGateway({ env: { WS_MAX_CONNECTIONS_PER_TOKEN: '3', WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: '5', WS_TOKEN_RECHECK_MS: '200' } });
  merchant = await t.addMerchant('M-WS-LIMITS');
});
afterAll(async () => {
  for (const connection of opened) connection.socket.terminate();
  await t.close();
});

async function open(payload?: Record<string, unknown>): Promise<RawConnection> {
  const connection = await openRaw(t.gateway.url, payload);
  opened.push(connection);
  return connection;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const acked = (connection: RawConnection) => connection.until((message) => message.type === 'connection_ack');

describe('connection_init authenticates', () => {
  it('a missing, malformed or unknown token is closed with 4403 and never acknowledged, however many come', async () => {
    const payloads = [{}, { authorization: 'Bearer garbage' }, ...Array.from({ length: 100 }, () => bearer(`tpg_${randomBytes(32).toString('base64url')}`))];
    const connections = await Promise.all(payloads.map((payload) => open(payload)));
    const closes = await Promise.all(connections.map((connection) => connection.closed));
    expect(new Set(closes.map((close) => close.code))).toEqual(new Set([4403]));
    expect(closes[0]!.reason).toBe('Forbidden: send {"authorization": "Bearer <token>"} in connection_init');
    expect(closes[1]!.reason).toBe('Forbidden: the token is unknown, malformed, revoked or expired');
    expect(connections.flatMap((connection) => connection.messages)).toEqual([]);
  });

  it('an expired token is closed with 4403', async () => {
    const { token } = await createApiToken(t.gateway.orm.em.fork(), {
      merchant,
      name: 'expired',
      scopes: ['orders:read'],
      expiresAt: new Date(Date.now() - 1000),
    });
    const connection = await open(bearer(token));
    expect(await connection.closed).toEqual({ code: 4403, reason: 'Forbidden: the token is unknown, malformed, revoked or expired' });
    expect(connection.messages).toEqual([]);
  });
});

describe('caps', () => {
  it('at most WS_MAX_CONNECTIONS_PER_TOKEN connections per token: the next is closed with 4429, a freed place is taken again', async () => {
    const token = await t.token(merchant);
    const connections = await Promise.all([1, 2, 3].map(() => open(bearer(token))));
    await Promise.all(connections.map(acked));
    const fourth = await open(bearer(token));
    expect(await fourth.closed).toEqual({ code: 4429, reason: 'Too many connections for this token: at most 3 at once; close one first' });
    // Another token has its own allowance.
    await acked(await open(bearer(await t.token(merchant))));

    connections[0]!.socket.close(1000);
    await connections[0]!.closed;
    await waitFor(async () => {
      const again = await open(bearer(token));
      const outcome = await Promise.race([acked(again).then(() => 'acked'), again.closed.then(() => 'closed')]);
      return outcome === 'acked' ? true : undefined;
    });
  });

  it('at most WS_MAX_SUBSCRIPTIONS_PER_CONNECTION operations per connection: the next get LIMIT_REACHED, the others stream', async () => {
    const token = await t.token(merchant);
    const connection = await open(bearer(token));
    await acked(connection);
    const subscribe = (id: string) => connection.send({ id, type: 'subscribe', payload: { query: 'subscription { orderEvents { status order { id } } }' } });
    for (let i = 1; i <= 8; i++) subscribe(String(i));
    await connection.until((message) => message.type === 'error' && message.id === '8');
    const refused = connection.messages.filter((message) => message.type === 'error');
    expect(refused.map((message) => message.id)).toEqual(['6', '7', '8']);
    expect(refused[0]!.payload).toEqual([
      {
        message:
          'Too many operations open on this connection: at most 5 at once (subscriptions, and queries still running). Complete one first, or open another connection.',
        extensions: { code: 'LIMIT_REACHED', maxOperations: 5 },
      },
    ]);

    const streaming = (ids: string[]) =>
      waitFor(async () => {
        await t.graphql(token, COLLECTION_CREATE, { input: collectionInput() });
        const got = new Set(connection.messages.filter((message) => message.type === 'next').map((message) => message.id));
        return ids.every((id) => got.has(id)) ? true : undefined;
      });
    await streaming(['1', '2', '3', '4', '5']);
    // Completing one frees a place.
    connection.send({ id: '1', type: 'complete' });
    subscribe('9');
    await streaming(['9']);
    expect(connection.messages.filter((message) => message.type === 'error')).toHaveLength(3);
  });
});

describe('a token revoked or expired while connected', () => {
  it('revoked by another process: each subscription ends with UNAUTHENTICATED, then the socket closes with 4403', async () => {
    const { token, apiToken } = await createApiToken(t.gateway.orm.em.fork(), { merchant, name: 'to revoke', scopes: ['orders:read', 'collections:write'] });
    const client = wsClient(t.gateway.url, token);
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      client.on('closed', (event) => resolve(event as { code: number; reason: string })),
    );
    const events = collect(client, 'subscription { orderEvents { status } }');
    await waitFor(async () => {
      await t.graphql(token, COLLECTION_CREATE, { input: collectionInput() });
      return events.values.length > 0 ? true : undefined;
    });
    // What `npm run cli -- token revoke` does from another process: this one's caches never hear of it.
    await t.gateway.orm.em.fork().getConnection().execute('update api_tokens set revoked_at = now() where id = ?', [apiToken.id]);
    await events.completed;
    expect(events.errors).toEqual([
      [
        {
          message: 'The token was revoked or has expired: this operation has ended. Connect again with an active token.',
          extensions: { code: 'UNAUTHENTICATED' },
        },
      ],
    ]);
    const { code, reason } = await closed;
    expect({ code, reason }).toEqual({ code: 4403, reason: 'Forbidden: the token was revoked or has expired' });
    // And HTTP refuses it too (the re-check also dropped it from this instance's cache).
    const overHttp = await t.graphql(token, '{ __typename }');
    expect(overHttp.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('expired: the same', async () => {
    const expiresAt = new Date(Date.now() + 1000);
    const { token } = await createApiToken(t.gateway.orm.em.fork(), { merchant, name: 'expiring', scopes: ['orders:read'], expiresAt });
    const client = wsClient(t.gateway.url, token);
    const closed = new Promise<{ code: number }>((resolve) => client.on('closed', (event) => resolve(event as { code: number })));
    const events = collect(client, 'subscription { orderEvents { status } }');
    await events.completed;
    expect(JSON.stringify(events.errors)).toContain('UNAUTHENTICATED');
    expect((await closed).code).toBe(4403);
  });
});

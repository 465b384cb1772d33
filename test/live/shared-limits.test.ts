import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.js';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, collectionInput } from '../helpers/operations.js';
import { openRaw, type RawConnection } from '../helpers/raw-ws.js';

// Redis runs on every machine of this project (CI starts it); REDIS_URL points elsewhere when set.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

let t: TestGateway;
let peer: Gateway;
let merchant: Merchant;
const opened: RawConnection[] = [];

beforeAll(async () => {
  // A burst of 5 that refills by 1 in ~17 min: nothing refills while the test runs.
  t = await startTestGateway({ env: { REDIS_URL, RATE_LIMIT_TOKEN_BURST: '5', RATE_LIMIT_TOKEN_PER_SECOND: '0.001', WS_MAX_CONNECTIONS_PER_TOKEN: '2' } });
  peer = await t.startPeer();
  merchant = await t.addMerchant('M-SHARED-LIMITS');
});
afterAll(async () => {
  for (const connection of opened) connection.socket.terminate();
  await t.close();
});

async function create(baseUrl: string, token: string): Promise<GraphQLResponse<any>> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: COLLECTION_CREATE, variables: { input: collectionInput() } }),
  });
  return (await response.json()) as GraphQLResponse<any>;
}

describe('two instances sharing Redis, one token', () => {
  it('the rate limit holds in total, not per instance', async () => {
    const token = await t.token(merchant);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => create(i % 2 ? peer.url : t.gateway.url, token)));
    const codes = results.map((result) => result.errors?.[0]?.extensions?.code ?? 'OK');
    expect(codes.filter((code) => code === 'OK')).toHaveLength(5);
    expect(codes.filter((code) => code === 'RATE_LIMITED')).toHaveLength(7);
    const rows = await t.gateway.orm.em.fork().getConnection().execute('select count(*)::int as n from orders where merchant_id = ?', [merchant.id]);
    expect(rows[0]!.n).toBe(5);
  });

  it('the WebSocket connection cap holds in total, not per instance', async () => {
    const token = await t.token(merchant);
    const connect = async (baseUrl: string) => {
      const connection = await openRaw(baseUrl, { authorization: `Bearer ${token}` });
      opened.push(connection);
      return connection;
    };
    await (await connect(t.gateway.url)).until((message) => message.type === 'connection_ack');
    await (await connect(peer.url)).until((message) => message.type === 'connection_ack');
    for (const baseUrl of [t.gateway.url, peer.url]) {
      const { code, reason } = await (await connect(baseUrl)).closed;
      expect({ code, reason }).toEqual({ code: 4429, reason: 'Too many connections for this token: at most 2 at once; close one first' });
    }
  });
});

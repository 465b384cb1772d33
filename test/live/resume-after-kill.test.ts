import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SCOPES } from '../../src/auth/scopes.js';
import { createApiToken } from '../../src/auth/tokens.js';
import { initOrm } from '../../src/db/orm.js';
import { Merchant } from '../../src/merchants/merchant.entity.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { PrivateKey } from '../../src/tarspay/signer.js';
import { callbackBody, collectionCallbackFields, postCallback } from '../helpers/callbacks.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { COLLECTION_CREATE, collectionInput } from '../helpers/operations.js';
import { spawnGateway, type SpawnedGateway } from '../helpers/spawned-gateway.js';
import { waitFor } from '../helpers/wait.js';
import { collect, wsClient } from '../helpers/ws-client.js';

/** Two gateway processes on one PostgreSQL and one Redis; instance A is killed (SIGKILL) under its subscriber. */
const MCH_NO = 'M-KILLED';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const merchantKey = PrivateKey.generate();
const platformKey = PrivateKey.generate();
const keyEncryptionKey = randomBytes(32).toString('hex');
let database: TestDatabase;
let sandbox: Sandbox;
let orm: MikroORM;
const children: ChildProcess[] = [];

async function startInstance(): Promise<SpawnedGateway> {
  const gateway = await spawnGateway({
    KEY_ENCRYPTION_KEY: keyEncryptionKey,
    DATABASE_URL: database.url,
    REDIS_URL,
    RECONCILE_INTERVAL_MS: '0',
    TARSPAY_BASE_URL: sandbox.url,
    TARSPAY_MERCHANT_NO: MCH_NO,
    TARSPAY_PRIVATE_KEY: merchantKey.revealHex(),
    TARSPAY_PLATFORM_PUBLIC_KEY: sandbox.platformPublicKey,
  });
  children.push(gateway.child);
  return gateway;
}

beforeAll(async () => {
  database = await createTestDatabase({ migrated: true });
  sandbox = await startSandbox({
    host: '127.0.0.1',
    port: 0,
    log: () => {},
    platformPrivateKey: platformKey.revealHex(),
    merchants: [{ mchNo: MCH_NO, publicKey: merchantKey.publicKeyHex }],
  });
  orm = await initOrm({ clientUrl: database.url, poolMax: 2 });
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await orm?.close();
  await sandbox?.close();
  await database?.close();
});

async function graphql(url: string, bearer: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: any; errors?: unknown[] };
}

interface Created {
  id: string;
  merchantOrderNo: string;
  platformOrderId: string;
  amount: string;
}

async function paid(url: string, order: Created): Promise<void> {
  const body = callbackBody(collectionCallbackFields(MCH_NO, order, 2, { fee: '0' }));
  expect(await postCallback(url, body, platformKey.sign(body))).toEqual({ status: 200, text: 'OK' });
}

const LAST_EVENT = `{ events(first: 100) { edges { node { cursor } } } }`;
const ORDER_EVENTS = `subscription ($after: String) { orderEvents(after: $after) { cursor status order { id } } }`;

it('a consumer on instance A, killed, resumes on instance B with its last cursor and gets what B received meanwhile, then live', async () => {
  const [a, b] = await Promise.all([startInstance(), startInstance()]);
  const em = orm.em.fork();
  const merchant = await em.findOneOrFail(Merchant, { mchNo: MCH_NO });
  const bearer = (await createApiToken(em, { merchant, name: 'resume test', scopes: SCOPES })).token;
  const orders: Created[] = [];
  for (let index = 0; index < 5; index++) {
    const created = await graphql(b.url, bearer, COLLECTION_CREATE, { input: collectionInput() });
    orders.push(created.data.collectionCreate.order as Created);
  }
  const listed = await graphql(b.url, bearer, LAST_EVENT);
  expect(listed.errors).toBeUndefined();
  const start = listed.data.events.edges.at(-1).node.cursor as string;

  const onA = collect<{ orderEvents: { cursor: string; status: string; order: { id: string } } }>(wsClient(a.url, bearer), ORDER_EVENTS, { after: start });
  await paid(a.url, orders[0]!);
  await waitFor(() => (onA.values.length === 1 ? true : undefined));
  a.child.kill('SIGKILL');
  await once(a.child, 'exit');
  await onA.completed; // the socket is gone with the process
  for (const order of orders.slice(1, 4)) await paid(b.url, order);

  const onB = collect<{ orderEvents: { cursor: string; status: string; order: { id: string } } }>(wsClient(b.url, bearer), ORDER_EVENTS, {
    after: onA.values.at(-1)!.orderEvents.cursor,
  });
  try {
    await waitFor(() => (onB.values.length >= 3 ? true : undefined));
    await paid(b.url, orders[4]!);
    await waitFor(() => (onB.values.length >= 4 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 200)); // anything extra would have arrived by now
    expect(onB.errors).toEqual([]);
    expect([...onA.values, ...onB.values].map((value) => [value.orderEvents.order.id, value.orderEvents.status])).toEqual(
      orders.map((order) => [order.id, 'SUCCEEDED']),
    );
  } finally {
    onB.dispose();
  }
}, 120_000);

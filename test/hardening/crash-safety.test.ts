import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/auth/tokens.js';
import { SCOPES } from '../../src/auth/scopes.js';
import { initOrm } from '../../src/db/orm.js';
import { Merchant } from '../../src/merchants/merchant.entity.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { PrivateKey } from '../../src/tarspay/signer.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { COLLECTION_CREATE, collectionInput } from '../helpers/operations.js';
import { spawnGateway, type SpawnedGateway } from '../helpers/spawned-gateway.js';
import { waitFor } from '../helpers/wait.js';
import { wsClient } from '../helpers/ws-client.js';

const merchantKey = PrivateKey.generate();
const keyEncryptionKey = randomBytes(32).toString('hex');
const MCH_NO = 'M-CRASH';
let database: TestDatabase;
let sandbox: Sandbox;
let orm: MikroORM;
const children: ChildProcess[] = [];

/** The gateway in its own process, against this file's database and sandbox. */
async function startGateway(env: Record<string, string> = {}): Promise<SpawnedGateway> {
  const gateway = await spawnGateway({
    KEY_ENCRYPTION_KEY: keyEncryptionKey,
    DATABASE_URL: database.url,
    TARSPAY_BASE_URL: sandbox.url,
    TARSPAY_MERCHANT_NO: MCH_NO,
    TARSPAY_PRIVATE_KEY: merchantKey.revealHex(),
    TARSPAY_PLATFORM_PUBLIC_KEY: sandbox.platformPublicKey,
    ...env,
  });
  children.push(gateway.child);
  return gateway;
}

async function token(): Promise<string> {
  const em = orm.em.fork();
  const merchant = await em.findOneOrFail(Merchant, { mchNo: MCH_NO });
  return (await createApiToken(em, { merchant, name: 'crash test', scopes: SCOPES })).token;
}

async function orderRow(merchantOrderNo: string) {
  const rows = await orm.em
    .fork()
    .getConnection()
    .execute<Array<{ id: string; status: string; platform_order_id: string | null }>>(
      'select id, status, platform_order_id from orders where merchant_order_no = ?',
      [merchantOrderNo],
    );
  return rows[0];
}

function createCollection(url: string, bearer: string, input: Record<string, unknown>) {
  return fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify({ query: COLLECTION_CREATE, variables: { input } }),
  });
}

beforeAll(async () => {
  database = await createTestDatabase({ migrated: true });
  sandbox = await startSandbox({ host: '127.0.0.1', port: 0, log: () => {}, merchants: [{ mchNo: MCH_NO, publicKey: merchantKey.publicKeyHex }] });
  orm = await initOrm({ clientUrl: database.url, poolMax: 2 });
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await orm?.close();
  await sandbox?.close();
  await database?.close();
});

describe('crash safety', () => {
  it('a gateway killed between TarsPay accepting a create and its own commit loses nothing', async () => {
    const first = await startGateway({ RECONCILE_INTERVAL_MS: '0' });
    const bearer = await token();
    sandbox.faults.add({ path: '/api/pay/unifiedOrder', mode: 'latency', latencyMs: 10_000, count: 1 });
    const input = collectionInput();
    const pending = createCollection(first.url, bearer, input).catch((error: unknown) => error);
    // The order is stored before TarsPay is called; TarsPay (the sandbox) processes it at once, then answers late.
    await waitFor(async () => ((await orderRow(input.merchantOrderNo as string))?.status === 'SUBMITTING' ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 300));
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    expect(await pending).toBeInstanceOf(Error);
    expect((await orderRow(input.merchantOrderNo as string))!.status).toBe('SUBMITTING');

    const second = await startGateway({ RECONCILE_INTERVAL_MS: '100' });
    await orm.em
      .fork()
      .getConnection()
      .execute(`update orders set next_check_at = now() - interval '1 second' where merchant_order_no = ?`, [input.merchantOrderNo]);
    const recovered = await waitFor(async () => {
      const row = await orderRow(input.merchantOrderNo as string);
      return row?.status === 'CREATED' ? row : undefined;
    });
    expect(recovered.platform_order_id).toMatch(/^P\d+/);
    expect(sandbox.order(recovered.platform_order_id!)!.mchOrderNo).toBe(input.merchantOrderNo);
    second.child.kill('SIGKILL');
    await once(second.child, 'exit');
  }, 120_000);

  it('SIGTERM: in-flight requests finish, subscriptions close with 1001, then the process exits 0', async () => {
    const gateway = await startGateway({ RECONCILE_INTERVAL_MS: '0' });
    const bearer = await token();
    let closeCode: number | undefined;
    const client = wsClient(gateway.url, bearer);
    client.on('closed', (event) => {
      closeCode = (event as { code: number }).code;
    });
    const connected = new Promise<void>((resolve) => client.on('connected', () => resolve()));
    client.subscribe({ query: 'subscription { orderEvents { status } }' }, { next: () => {}, error: () => {}, complete: () => {} });
    await connected;

    sandbox.faults.add({ path: '/api/pay/unifiedOrder', mode: 'latency', latencyMs: 1500, count: 1 });
    const input = collectionInput();
    const inFlight = createCollection(gateway.url, bearer, input);
    await waitFor(async () => ((await orderRow(input.merchantOrderNo as string))?.status === 'SUBMITTING' ? true : undefined));
    gateway.child.kill('SIGTERM');

    const response = await inFlight;
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: { collectionCreate: { order: { status: string } } } };
    expect(body.data.collectionCreate.order.status).toBe('CREATED');
    const [exitCode] = await once(gateway.child, 'exit');
    expect(exitCode).toBe(0);
    await waitFor(() => (closeCode !== undefined ? true : undefined), 5000);
    expect(closeCode).toBe(1001);
    await expect(fetch(`${gateway.url}/healthz`)).rejects.toThrow();
    expect((await orderRow(input.merchantOrderNo as string))!.status).toBe('CREATED');
  }, 120_000);
});

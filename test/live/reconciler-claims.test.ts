import { decodeGlobalID } from '@pothos/plugin-relay';
import { afterEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.js';
import { countCreateAttempt, readOrder } from '../../src/orders/order-store.js';
import { RECONCILER_LOCKS_APPLICATION } from '../../src/orders/reconciler.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, collectionInput } from '../helpers/operations.js';

/**
 * Two gateways on one database, with a check (a slow inquiry, a slow re-sent create) far longer
 * than the back-off between checks: only the claim's lock keeps the second instance away.
 */
const SLOW_CHECKS = {
  RECONCILE_INTERVAL_MS: '0',
  TARSPAY_TIMEOUT_MS: '3000',
  RECONCILE_RESEND_AFTER_MS: '0',
  RECONCILE_BACKOFF_FIRST_MS: '20',
  RECONCILE_BACKOFF_MAX_MS: '20',
};
const LATENCY_MS = 600;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let t: TestGateway | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

interface LostCreate {
  id: string;
  mchNo: string;
  merchantOrderNo: string;
}

/** A collection whose create never reached TarsPay, stored long enough ago to be re-sent, due now; TarsPay answers slowly from now on. */
async function lostCreate(test: TestGateway): Promise<LostCreate> {
  const merchant = await test.addMerchant(`M-CLAIMS-${Date.now()}`);
  const token = await test.token(merchant);
  test.sandbox.faults.add({ path: '/api/pay/unifiedOrder', mode: 'drop', count: 1 });
  const input = collectionInput();
  const created = await test.graphql(token, COLLECTION_CREATE, { input });
  const order = created.data!.collectionCreate.order;
  expect(order.status).toBe('UNKNOWN');
  const id = decodeGlobalID(order.id).id;
  await test.gateway.orm.em
    .fork()
    .getConnection()
    .execute(`update orders set created_at = now() - interval '1 hour', next_check_at = now() - interval '1 second' where id = ?`, [id]);
  for (const path of ['/api/payInInfo', '/api/pay/unifiedOrder']) test.sandbox.faults.add({ path, mode: 'latency', latencyMs: LATENCY_MS, count: 0 });
  return { id, mchNo: merchant.mchNo, merchantOrderNo: input.merchantOrderNo as string };
}

async function createAttempts(gateway: Gateway, id: string): Promise<number> {
  return (await readOrder(gateway.sql.query, id))!.createAttempts;
}

/**
 * Two instances on one database need PostgreSQL: embedded PGlite serves every connection from one
 * session, so its advisory locks exclude nobody and its one backend cannot be cut (it serves one
 * instance only). Without DATABASE_URL these two are reported as skipped, by this name.
 */
const needsPostgres = !process.env.DATABASE_URL;

describe('a reconciliation claim lasts until its check ends', () => {
  it.skipIf(needsPostgres)('two instances (PostgreSQL only) never check, nor re-send, one order at once, though the check outlasts the back-off', async () => {
    t = await startTestGateway({ env: SLOW_CHECKS });
    const peer = await t.startPeer();
    const order = await lostCreate(t);

    const first = t.gateway.reconciler.runOnce();
    await sleep(LATENCY_MS / 3); // the first check is asking TarsPay; its back-off ran out long ago
    const during = await peer.reconciler.runOnce();
    await sleep(LATENCY_MS); // now the first check's re-sent create is on its way
    const duringResend = await peer.reconciler.runOnce();
    const checked = await first;

    expect(t.sandbox.createRequests(order.mchNo, order.merchantOrderNo, 'COLLECTION')).toBe(1);
    expect(await createAttempts(t.gateway, order.id)).toBe(2);
    expect(checked).toMatchObject({ claimed: 1, resent: 1 });
    expect(during.claimed).toBe(0);
    expect(duringResend.claimed).toBe(0);
    expect(t.upstreamCalls.filter((call) => call.endpoint === '/api/payInInfo')).toHaveLength(1);
  });

  it.skipIf(needsPostgres)('an instance (PostgreSQL only) whose lock connection is cut mid-check sends nothing; another completes the order', async () => {
    t = await startTestGateway({ env: SLOW_CHECKS });
    const order = await lostCreate(t);
    const first = t.gateway.reconciler.runOnce();
    await sleep(LATENCY_MS / 3);
    const admin = t.gateway.orm.em.fork().getConnection();
    const cut = await admin.execute<Array<{ pid: number }>>(
      `select pg_terminate_backend(pid) as pid from pg_stat_activity where application_name = ? and datname = current_database()`,
      [RECONCILER_LOCKS_APPLICATION],
    );
    expect(cut).toHaveLength(1);
    expect(await first).toMatchObject({ claimed: 1, resent: 0, failedChecks: 1 });
    expect(t.sandbox.createRequests(order.mchNo, order.merchantOrderNo, 'COLLECTION')).toBe(0);
    expect(await createAttempts(t.gateway, order.id)).toBe(1);

    const peer = await t.startPeer();
    expect(await peer.reconciler.runOnce()).toMatchObject({ claimed: 1, resent: 1, changed: 1 });
    expect(t.sandbox.createRequests(order.mchNo, order.merchantOrderNo, 'COLLECTION')).toBe(1);
    // The cut instance connects again for its next pass.
    await admin.execute(`update orders set next_check_at = now() - interval '1 second' where id = ?`, [order.id]);
    expect(await t.gateway.reconciler.runOnce()).toMatchObject({ claimed: 1, failedChecks: 0, resent: 0 });
  });

  it('counts a re-sent create only from the count it read: a second count from the same read is refused', async () => {
    t = await startTestGateway({ env: SLOW_CHECKS });
    const order = await lostCreate(t);
    const { query } = t.gateway.sql;
    const read = (await readOrder(query, order.id))!;
    expect(await countCreateAttempt(query, read, 60_000)).toBe(2);
    expect(await countCreateAttempt(query, read, 60_000)).toBeNull();
    expect(await createAttempts(t.gateway, order.id)).toBe(2);
    const [row] = await query<{ hold: number }>(`select extract(epoch from next_check_at - now()) as hold from orders where id = $1`, [order.id]);
    expect(Number(row!.hold)).toBeGreaterThan(50);
  });
});

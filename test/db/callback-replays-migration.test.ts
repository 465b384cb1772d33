import { createHash } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initOrm } from '../../src/db/orm.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

/** Receipts stored before callbacks were stored once per content get their hash, and old replays are folded. */
describe('migration callback_replays', () => {
  let database: TestDatabase;
  let orm: MikroORM;

  beforeAll(async () => {
    database = await createTestDatabase();
    orm = await initOrm({ clientUrl: database.url, poolMax: 2 });
  });
  afterAll(async () => {
    await orm?.close(true);
    await database?.close();
  });

  it('hashes existing receipts and folds replays into their first row', async () => {
    const migrator = orm.getMigrator();
    const [initial] = (await migrator.getPendingMigrations()).map((migration) => migration.name);
    await migrator.up({ to: initial });
    const sql = orm.em.getConnection();
    const merchantId = '0190b0b0-0000-7000-8000-000000000001';
    await sql.execute(`insert into merchants (id, mch_no, public_key, private_key, platform_public_key) values (?, 'M1', 'pk', 'sk', 'ppk')`, [merchantId]);
    const paid = '{"mchNo":"M1","payOrderId":"P1","state":2}';
    const late = '{"mchNo":"M1","payOrderId":"P1","state":3}';
    const rows: Array<[string | null, string, string, string]> = [
      [merchantId, paid, 'APPLIED', '2026-11-20T10:00:00Z'],
      [merchantId, paid, 'DUPLICATE', '2026-11-20T10:00:05Z'],
      [merchantId, late, 'IGNORED', '2026-11-20T10:00:07Z'],
      [merchantId, paid, 'DUPLICATE', '2026-11-20T10:00:09Z'],
      [null, '{"mchNo":"who?"}', 'BAD_SIGNATURE', '2026-11-20T10:00:10Z'],
      [null, '{"mchNo":"who?"}', 'BAD_SIGNATURE', '2026-11-20T10:00:11Z'],
    ];
    for (const [merchant, body, outcome, at] of rows) {
      await sql.execute(`insert into callback_receipts (mch_no, merchant_id, raw_body, verified, outcome, received_at) values ('M1', ?, ?, true, ?, ?)`, [
        merchant,
        body,
        outcome,
        at,
      ]);
    }

    // Only as far as this migration: later ones (encrypting merchant keys) need more than this row.
    const replays = (await migrator.getPendingMigrations()).map((migration) => migration.name).find((name) => name.endsWith('_callback_replays'))!;
    await migrator.up({ to: replays });

    const receipts = await sql.execute<Array<{ outcome: string; content_hash: string; deliveries: number; received_at: Date; last_received_at: Date }>>(
      `select outcome, content_hash, deliveries, received_at, last_received_at from callback_receipts order by id`,
    );
    const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
    expect(receipts.map(({ outcome, content_hash, deliveries }) => ({ outcome, content_hash, deliveries }))).toEqual([
      { outcome: 'APPLIED', content_hash: sha256(paid), deliveries: 3 },
      { outcome: 'IGNORED', content_hash: sha256(late), deliveries: 1 },
      { outcome: 'BAD_SIGNATURE', content_hash: sha256('{"mchNo":"who?"}'), deliveries: 1 },
      { outcome: 'BAD_SIGNATURE', content_hash: sha256('{"mchNo":"who?"}'), deliveries: 1 },
    ]);
    expect(new Date(receipts[0]!.received_at).toISOString()).toBe('2026-11-20T10:00:00.000Z');
    expect(new Date(receipts[0]!.last_received_at).toISOString()).toBe('2026-11-20T10:00:09.000Z');
    expect(new Date(receipts[1]!.last_received_at).toISOString()).toBe('2026-11-20T10:00:07.000Z');
  });
});

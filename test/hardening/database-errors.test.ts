import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { recordingLogger } from '../helpers/logs.js';
import { COLLECTION_CREATE, collectionInput } from '../helpers/operations.js';

// A customer whose details must never be written by a failing statement.
const EMAIL = 'siti.rahasia@example.co.id';
const PHONE = '089912345678';
const NAME = 'Siti Rahasia';

let t: TestGateway;
beforeAll(async () => {
  // Development: GraphQL errors carry the original error back to the caller (exposeErrors).
  t = await startTestGateway({ env: { NODE_ENV: 'development', LOG_LEVEL: 'debug' } });
});
afterAll(() => t?.close());

describe('database errors', () => {
  it('reach neither the logs nor a development GraphQL answer with the values of their SQL', async () => {
    const token = await t.token(await t.addMerchant('M-DB-ERRORS'));
    // A constraint this customer violates: the insert fails in PostgreSQL, with the row in its SQL.
    await t.gateway.orm.em
      .getConnection()
      .execute(`alter table orders add constraint orders_test_refuses_customer check (customer->>'email' is distinct from '${EMAIL}')`);
    const result = await t.graphql(token, COLLECTION_CREATE, { input: collectionInput({ customer: { name: NAME, email: EMAIL, phone: PHONE } }) });
    await t.gateway.orm.em.getConnection().execute('alter table orders drop constraint orders_test_refuses_customer');

    const answer = JSON.stringify(result);
    expect(result.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(result.errors?.[0]?.extensions?.originalError?.message).toContain('orders_test_refuses_customer'); // the cause is still told
    const logs = t.logs.join('\n');
    expect(logs).toContain('orders_test_refuses_customer'); // the failure was logged
    for (const secret of [EMAIL, PHONE, NAME]) {
      expect(answer, `${secret} in the GraphQL answer`).not.toContain(secret);
      expect(logs, `${secret} in the logs`).not.toContain(secret);
    }
    const line = t.logs.map((text) => JSON.parse(text)).find((entry) => entry.err?.constraint === 'orders_test_refuses_customer');
    expect(line.err).toMatchObject({ type: 'CheckConstraintViolationException', code: '23514', table: 'orders', statement: 'insert into "orders"' });
    expect(line.err.detail).toBeUndefined();
  });

  it('are redacted by the logger whatever form they take: a pg error, its message as text, a cause', async () => {
    const lines: string[] = [];
    const logger = recordingLogger(lines);
    const client = new pg.Client({ connectionString: t.database.url });
    await client.connect();
    const failure = await client.query('select $1::uuid', [EMAIL]).then(
      () => undefined,
      (error: Error) => error,
    );
    await client.end();
    expect(failure?.message).toContain(EMAIL); // PostgreSQL repeats the value it refused
    logger.error({ err: failure }, 'raw pg error');
    logger.error({ err: new Error('storing the callback failed', { cause: failure }) }, 'wrapped');
    logger.warn(
      { err: `insert into "orders" ("customer") values ('{"email":"${EMAIL}","phone":"${PHONE}"}') - value too long for type character varying(64)` },
      'as text',
    );
    const written = lines.join('\n');
    expect(written).toContain('invalid input syntax for type uuid');
    expect(written).toContain('value too long');
    for (const secret of [EMAIL, PHONE]) expect(written).not.toContain(secret);
  });
});

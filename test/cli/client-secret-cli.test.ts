import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../helpers/cli.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { collectionInput } from '../helpers/operations.js';
import { persistedQuery, shippedHash } from '../helpers/trusted-documents.js';

let t: TestGateway;

function cli(...args: string[]): Promise<CliRun> {
  return runCli({ DATABASE_URL: t.database.url, KEY_ENCRYPTION_KEY: t.keyEncryptionKey }, ...args);
}

beforeAll(async () => {
  t = await startTestGateway();
  await t.addMerchant('M-CLI-CS');
});
afterAll(async () => {
  await t?.close();
});

describe('the CLI', { timeout: 120_000 }, () => {
  it('client-secret revoke --order: the secret is refused from then on (within the 5 s cache on a running gateway)', async () => {
    const token = await t.token(await t.addMerchant('M-CLI-CS2'));
    const created = (
      await t.graphql(token, 'mutation ($input: CollectionCreateInput!) { collectionCreate(input: $input) { order { id } clientSecret } }', {
        input: collectionInput(),
      })
    ).data!.collectionCreate;
    const read = `query ($id: ID!) { order(id: $id) { id } }`;
    expect((await t.graphql(created.clientSecret, read, { id: created.order.id })).data!.order.id).toBe(created.order.id);
    const run = await cli('client-secret', 'revoke', '--order', created.order.id);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/revoked/);
    expect(run.stdout).not.toContain(created.clientSecret);
    await expect
      .poll(async () => (await t.graphql(created.clientSecret, read, { id: created.order.id })).errors?.[0]?.extensions?.code, {
        timeout: 8_000,
        interval: 500,
      })
      .toBe('UNAUTHENTICATED');
    expect((await cli('client-secret', 'revoke', '--order', 'not-an-id')).code).toBe(2);
  }, 60_000);

  it('token create --operations: only shipped operation names, and the token runs only those', async () => {
    const unknown = await cli('token', 'create', '--merchant', 'M-CLI-CS', '--scopes', 'collections:write', '--operations', 'CreateCollection,DropTables');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/"DropTables" not shipped/);
    const run = await cli(
      'token',
      'create',
      '--merchant',
      'M-CLI-CS',
      '--scopes',
      'collections:write,orders:read',
      '--operations',
      'CreateCollection,OrderUpdated',
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/only the operations CreateCollection, OrderUpdated/);
    const token = run.stdout.trim();
    const post = async (operation: string, variables: Record<string, unknown>) => {
      const response = await fetch(`${t.gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ ...persistedQuery(shippedHash(operation)), variables }),
      });
      return (await response.json()) as { data?: any; errors?: Array<{ extensions: { code: string } }> };
    };
    expect((await post('CreateCollection', { input: collectionInput() })).data.collectionCreate.order.status).toBe('CREATED');
    expect((await post('GetOrder', { id: 'x' })).errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    const listed = await cli('token', 'list', '--merchant', 'M-CLI-CS');
    expect(listed.stdout).toContain('CreateCollection,OrderUpdated');
  }, 60_000);
});

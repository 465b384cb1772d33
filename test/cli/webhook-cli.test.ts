import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../helpers/cli.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, collectionInput, SETTLE } from '../helpers/operations.js';
import { waitFor } from '../helpers/wait.js';
import { PAID_DOCUMENT, startWebhookReceiver, type WebhookReceiver } from '../helpers/webhooks.js';

let t: TestGateway;
let hooks: WebhookReceiver;

function cli(...args: string[]): Promise<CliRun> {
  return runCli({ DATABASE_URL: t.database.url, KEY_ENCRYPTION_KEY: t.keyEncryptionKey }, ...args);
}

beforeAll(async () => {
  t = await startTestGateway({ env: { WEBHOOK_POLL_MS: '100' } });
  hooks = await startWebhookReceiver();
}, 60_000);
afterAll(async () => {
  await hooks?.close();
  await t?.close();
});

describe('npm run cli -- webhook', () => {
  it('create, list, rotate and replay: the running gateway delivers to what the CLI registered', async () => {
    const merchant = await t.addMerchant('M-CLI-HOOKS');
    const created = await cli('webhook', 'create', '--merchant', 'M-CLI-HOOKS', '--url', hooks.url, '--query', PAID_DOCUMENT, '--description', 'shop');
    expect(created.code, created.stderr).toBe(0);
    const secret = /(whsec_\S+)/.exec(created.stdout)![1]!;
    const id = /endpoint (\S+) created/.exec(created.stdout)![1]!;

    const token = await t.token(merchant);
    const order = await t.graphql(token, COLLECTION_CREATE, { input: collectionInput() });
    await t.graphql(token, SETTLE, { id: order.data!.collectionCreate.order.id, outcome: 'SUCCEEDED' });
    const [delivery] = await waitFor(() => (hooks.received.length ? hooks.received : undefined));
    const body = new Webhook(secret).verify(delivery!.body, delivery!.headers as Record<string, string>) as { data: { orderEvents: { cursor: string } } };

    const listed = await cli('webhook', 'list', '--merchant', 'M-CLI-HOOKS');
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain(hooks.url);
    expect(listed.stdout).not.toContain('whsec_');

    const rotated = await cli('webhook', 'rotate', '--merchant', 'M-CLI-HOOKS', '--id', id);
    expect(rotated.code, rotated.stderr).toBe(0);
    const newSecret = /(whsec_\S+)/.exec(rotated.stdout)![1]!;

    // Replayed from before the payment: delivered again, signed by both secrets.
    const before = (await t.graphql(token, `{ events(first: 1) { edges { cursor } } }`)).data!.events.edges[0].cursor as string;
    const replayed = await cli('webhook', 'replay', '--merchant', 'M-CLI-HOOKS', '--id', id, '--after', before);
    expect(replayed.code, replayed.stderr).toBe(0);
    const [, again] = await waitFor(() => (hooks.received.length >= 2 ? hooks.received : undefined));
    expect(again!.headers['webhook-id']).toBe(delivery!.headers['webhook-id']);
    for (const key of [secret, newSecret]) expect(() => new Webhook(key).verify(again!.body, again!.headers as Record<string, string>)).not.toThrow();
    expect(body.data.orderEvents.cursor).toBeTruthy();

    const refused = await cli('webhook', 'create', '--merchant', 'M-CLI-HOOKS', '--url', hooks.url, '--query', '{ nope }');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/query: /);
  }, 300_000);
});

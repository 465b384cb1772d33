import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookEndpoints } from '../../src/webhooks/webhook-endpoints.js';
import { SNIPPET_BYTES, WebhookSender } from '../../src/webhooks/webhook-sender.js';
import { generateWebhookSecret, signWebhook, webhookSecretKey } from '../../src/webhooks/webhook-signing.js';
import { checkWebhookUrl, isPrivateAddress } from '../../src/webhooks/webhook-url.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, collectionInput } from '../helpers/operations.js';
import { waitFor } from '../helpers/wait.js';
import { DELIVERIES, ENDPOINT_CREATE, PAID_DOCUMENT, startWebhookReceiver, type WebhookReceiver } from '../helpers/webhooks.js';

const SIGNED = signWebhook('msg_safety', '{}', [webhookSecretKey(generateWebhookSecret())]);

const PRODUCTION = { requireHttps: true, allowPrivate: false };

describe('webhook addresses', () => {
  it('tells private, loopback and link-local addresses from public ones', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '::',
    ])
      expect(isPrivateAddress(address), address).toBe(true);
    for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(isPrivateAddress(address), address).toBe(false);
  });

  it('checks every address a host resolves to when an endpoint is stored', async () => {
    const resolve = (answers: string[]) => () => Promise.resolve(answers);
    await expect(checkWebhookUrl('https://hooks.example/tarspay', PRODUCTION, resolve(['93.184.216.34']))).resolves.toBeInstanceOf(URL);
    await expect(checkWebhookUrl('https://hooks.example/tarspay', PRODUCTION, resolve(['93.184.216.34', '10.0.0.5']))).rejects.toThrow(/private/);
    await expect(checkWebhookUrl('http://hooks.example/tarspay', PRODUCTION, resolve(['93.184.216.34']))).rejects.toThrow(/https/);
    await expect(checkWebhookUrl('https://user:pw@hooks.example/', PRODUCTION, resolve(['93.184.216.34']))).rejects.toThrow(/user name/);
  });
});

describe('delivery-time checks', () => {
  let hooks: WebhookReceiver;
  beforeAll(async () => {
    hooks = await startWebhookReceiver();
  });
  afterAll(() => hooks.close());

  it('refuses at connect a host that resolves to a private address now (DNS rebinding), and follows no redirect', async () => {
    const sender = new WebhookSender({ requireHttps: false, allowPrivate: false }, 2000);
    try {
      const viaName = await sender.send(hooks.url.replace('127.0.0.1', 'localhost'), SIGNED, '{}');
      expect(viaName).toMatchObject({ ok: false, httpStatus: null, snippet: expect.stringMatching(/^refused/) });
      const viaAddress = await sender.send(hooks.url, SIGNED, '{}');
      expect(viaAddress).toMatchObject({ ok: false, snippet: expect.stringMatching(/^refused/) });
      expect(hooks.received).toHaveLength(0);
    } finally {
      sender.close();
    }
    const allowed = new WebhookSender({ requireHttps: false, allowPrivate: true }, 2000);
    try {
      hooks.answer = () => 302;
      const redirected = await allowed.send(hooks.url, SIGNED, '{}');
      expect(redirected).toMatchObject({ ok: false, httpStatus: 302 });
      expect(hooks.received).toHaveLength(1);
      hooks.answer = () => 'hang';
      const started = Date.now();
      const hung = await new WebhookSender({ requireHttps: false, allowPrivate: true }, 300).send(hooks.url, SIGNED, '{}');
      expect(hung).toMatchObject({ ok: false, httpStatus: null, snippet: expect.stringMatching(/^timeout/) });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      allowed.close();
    }
  });
});

describe('what a delivery waits for and reads', () => {
  let hooks: WebhookReceiver;
  let sender: WebhookSender;
  beforeAll(async () => {
    hooks = await startWebhookReceiver();
    sender = new WebhookSender({ requireHttps: false, allowPrivate: true }, 300);
  });
  afterAll(async () => {
    sender.close();
    await hooks.close();
  });

  it('gives up on the whole exchange at the deadline, even while the answer keeps trickling in', async () => {
    hooks.answer = () => 'trickle';
    const started = Date.now();
    const result = await sender.send(hooks.url, SIGNED, '{}');
    expect(result).toMatchObject({ ok: false, httpStatus: null, snippet: expect.stringMatching(/^timeout/) });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it(`keeps the first ${SNIPPET_BYTES} bytes of an answer and reads no more than 64 KB of it`, async () => {
    hooks.answer = () => 'endless';
    const result = await sender.send(hooks.url, SIGNED, '{}');
    expect(result).toMatchObject({ ok: true, httpStatus: 200, snippet: 'x'.repeat(SNIPPET_BYTES) });
  });
});

describe('in production', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ env: { NODE_ENV: 'production', PUBLIC_URL: 'https://pay.example' } });
  }, 60_000);
  afterAll(() => t?.close());

  it('refuses private and plain-http URLs, naming the field, and stores nothing', async () => {
    const merchant = await t.addMerchant(`M-PRIVATE-${Date.now()}`);
    const token = await t.token(merchant);
    for (const url of [
      'https://127.0.0.1/hook',
      'https://localhost/hook',
      'https://[::1]/hook',
      'https://169.254.169.254/latest',
      'http://93.184.216.34/hook',
    ]) {
      const result = await t.graphql(token, ENDPOINT_CREATE, { input: { url, query: PAID_DOCUMENT } });
      expect(result.data!.webhookEndpointCreate.userErrors, url).toEqual([
        { field: ['input', 'url'], code: 'VALIDATION', message: expect.stringMatching(/^url: /) },
      ]);
    }
    expect((await t.graphql(token, `{ webhookEndpoints { id } }`)).data!.webhookEndpoints).toEqual([]);
  });

  it('refuses at delivery an endpoint whose host resolves to a private address now (stored when it did not)', async () => {
    const hooks = await startWebhookReceiver();
    try {
      const merchant = await t.addMerchant(`M-REBIND-${Date.now()}`);
      const token = await t.token(merchant);
      // Stored as if `localhost` had resolved to a public address then: the check at store time is passed by.
      const storedEarlier = new WebhookEndpoints({
        keyRing: t.gateway.keyRing,
        documents: { check: () => undefined, prepare: () => ({}) as never },
        urlPolicy: { requireHttps: false, allowPrivate: true },
      });
      const { endpoint } = await storedEarlier.create(t.gateway.orm.em.fork(), merchant.id, {
        url: hooks.url.replace('http://127.0.0.1', 'https://localhost'),
        query: 'subscription { orderEvents { cursor status } }',
      });
      const created = await t.graphql(token, COLLECTION_CREATE, { input: collectionInput() });
      expect(created.data!.collectionCreate.userErrors).toEqual([]);
      const id = encodeGlobalID('WebhookEndpoint', endpoint.id);
      const [attempt] = await waitFor(async () => {
        const edges = (await t.graphql(token, DELIVERIES, { id })).data!.webhookDeliveries.edges;
        return edges.length ? edges : undefined;
      });
      // Refused before connecting, not a failed TLS handshake with whatever answers there.
      expect(attempt.node).toMatchObject({ status: 'FAILED', httpStatus: null, responseSnippet: expect.stringMatching(/^refused/) });
      expect(hooks.received).toHaveLength(0);
    } finally {
      await hooks.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxConfigError } from '../../src/sandbox/options.js';
import { startSandbox } from '../../src/sandbox/server.js';
import { PrivateKey } from '../../src/tarspay/signer.js';
import { controlJson, nextMchOrderNo, startTestSandbox, type TestSandbox } from './helpers.js';

let setup: TestSandbox;
beforeAll(async () => {
  setup = await startTestSandbox();
});
afterAll(() => setup.sandbox.close());

describe('HTTP surface', () => {
  it('answers health', async () => {
    expect(await controlJson(setup.sandbox.url, 'GET', '/sandbox/health')).toEqual({ status: 200, json: { ok: true } });
  });

  it('answers unknown TarsPay paths with the envelope and 404', async () => {
    const answer = await setup.client.post('/api/pay/unknown', { mchNo: setup.client.mchNo });
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.text)).toEqual({ code: -1, msg: 'not found', sign: expect.stringMatching(/^30/) });
  });

  it('answers other unknown paths with a JSON error', async () => {
    expect(await controlJson(setup.sandbox.url, 'GET', '/nothing')).toMatchObject({ status: 404, json: { error: expect.any(String) } });
    expect((await controlJson(setup.sandbox.url, 'GET', '/sandbox/nothing')).status).toBe(404);
    expect((await controlJson(setup.sandbox.url, 'PUT', '/sandbox/faults')).status).toBe(405);
  });

  it('wants POST on TarsPay paths', async () => {
    const answer = await fetch(`${setup.sandbox.url}/api/balanceInfo`);
    expect(answer.status).toBe(405);
    expect(await answer.json()).toMatchObject({ code: -1 });
  });

  it('ignores the query string in the signed path', async () => {
    const answer = await setup.client.post('/api/balanceInfo?debug=1', { mchNo: setup.client.mchNo });
    expect(JSON.parse(answer.text).code).toBe(5003008);
    const nonce = String(Date.now());
    const signature = setup.client.key.sign(`POST|/api/balanceInfo|${nonce}|mchNo=${setup.client.mchNo}`);
    const response = await fetch(`${setup.sandbox.url}/api/balanceInfo?debug=1`, {
      method: 'POST',
      headers: { 'X-API-KEY': setup.client.key.publicKeyHex, 'X-API-NONCE': nonce, 'X-API-SIGNATURE': signature },
      body: JSON.stringify({ mchNo: setup.client.mchNo }),
    });
    expect((await response.json()).code).toBe(0);
  });

  it('answers 413 to bodies over 1 MiB', async () => {
    const huge = JSON.stringify({ mchNo: setup.client.mchNo, padding: 'x'.repeat(1024 * 1024) });
    const api = await setup.client.post('/api/balanceInfo', { mchNo: setup.client.mchNo }, { rawBody: huge });
    expect(api.status).toBe(413);
    expect(JSON.parse(api.text)).toMatchObject({ code: -1 });
    const control = await fetch(`${setup.sandbox.url}/sandbox/faults`, { method: 'POST', body: huge });
    expect(control.status).toBe(413);
  });

  it('lists merchants with their balances', async () => {
    const { json } = await controlJson(setup.sandbox.url, 'GET', '/sandbox/merchants');
    expect(json.merchants).toContainEqual(expect.objectContaining({ mchNo: setup.client.mchNo, availableAmount: '100000000', frozenAmount: '0' }));
  });
});

describe('finding an order by the merchant order number', () => {
  const lookup = (query: string) => controlJson(setup.sandbox.url, 'GET', `/sandbox/orders?${query}`);

  it('answers the orders with that mchOrderNo over HTTP, a kind narrowing a number shared by a collection and a payout', async () => {
    const { client, sandbox } = setup;
    const shared = nextMchOrderNo('SHARED');
    const collection = (await client.createCollection({ mchOrderNo: shared })).data!.payOrderId;
    const payout = (await client.createPayout({ mchOrderNo: shared })).data!.payOrderId;
    sandbox.settle(collection, { outcome: 'EXPIRED' });
    const query = `mchNo=${encodeURIComponent(client.mchNo)}&mchOrderNo=${encodeURIComponent(shared)}`;

    const both = await lookup(query);
    expect(both.status).toBe(200);
    expect(both.json.orders).toEqual([
      expect.objectContaining({ kind: 'COLLECTION', payOrderId: collection, state: 6, status: 'EXPIRED' }),
      expect.objectContaining({ kind: 'PAYOUT', payOrderId: payout, state: 1 }),
    ]);
    expect((await lookup(`${query}&kind=PAYOUT`)).json.orders).toEqual([expect.objectContaining({ payOrderId: payout })]);
    expect((await lookup(`mchNo=${client.mchNo}&mchOrderNo=NEVER-SENT`)).json).toEqual({ orders: [] });
    expect((await lookup(`mchNo=SOMEONE-ELSE&mchOrderNo=${shared}`)).json).toEqual({ orders: [] });
  });

  it('names the missing or bad parameter with 400', async () => {
    expect(await lookup('mchOrderNo=X')).toMatchObject({ status: 400, json: { error: expect.stringContaining('mchNo') } });
    expect(await lookup(`mchNo=${setup.client.mchNo}`)).toMatchObject({ status: 400, json: { error: expect.stringContaining('mchOrderNo') } });
    expect(await lookup(`mchNo=${setup.client.mchNo}&mchOrderNo=X&kind=REFUND`)).toMatchObject({
      status: 400,
      json: { error: expect.stringContaining('kind') },
    });
  });

  it('has findOrder in process, which wants a kind only when the number is shared', async () => {
    const { client, sandbox } = setup;
    const own = nextMchOrderNo('OWN');
    const payOrderId = (await client.createCollection({ mchOrderNo: own })).data!.payOrderId;
    expect(sandbox.findOrder(client.mchNo, own)).toMatchObject({ payOrderId, kind: 'COLLECTION', state: 0 });
    expect(sandbox.findOrder(client.mchNo, own, 'PAYOUT')).toBeUndefined();
    expect(sandbox.findOrder('SOMEONE-ELSE', own)).toBeUndefined();

    await client.createPayout({ mchOrderNo: own });
    expect(() => sandbox.findOrder(client.mchNo, own)).toThrow(/pass kind/);
    expect(sandbox.findOrder(client.mchNo, own, 'COLLECTION')).toMatchObject({ payOrderId });
  });
});

describe('programmatic API', () => {
  it('generates a platform key when none is given, and can close twice', async () => {
    const sandbox = await startSandbox();
    expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sandbox.publicBaseUrl).toBe(sandbox.url);
    expect(sandbox.platformPublicKey).toMatch(/^0[23][0-9a-f]{64}$/);
    await sandbox.close();
    await sandbox.close();
    await expect(fetch(`${sandbox.url}/sandbox/health`)).rejects.toThrow();
  });

  it('refuses bad merchant keys and a key shared by two merchants', async () => {
    const key = PrivateKey.generate();
    expect(() => setup.sandbox.registerMerchant({ mchNo: 'M-BAD', publicKey: 'abc' })).toThrow(SandboxConfigError);
    expect(() => setup.sandbox.registerMerchant({ mchNo: 'M-BAL', publicKey: key.publicKeyHex, balance: '1.5' })).toThrow(/whole rupiah/);
    setup.sandbox.registerMerchant({ mchNo: 'M-A', publicKey: key.publicKeyHex });
    expect(() => setup.sandbox.registerMerchant({ mchNo: 'M-B', publicKey: key.publicKeyHex })).toThrow(/already registered for merchant M-A/);
  });

  it('lets a merchant change its key', async () => {
    const first = PrivateKey.generate();
    const second = PrivateKey.generate();
    setup.sandbox.registerMerchant({ mchNo: 'M-ROTATE', publicKey: first.publicKeyHex, balance: '777' });
    const view = setup.sandbox.registerMerchant({ mchNo: 'M-ROTATE', publicKey: second.publicKeyHex });
    expect(view).toMatchObject({ publicKey: second.publicKeyHex, availableAmount: '777' });
    expect(() => setup.sandbox.registerMerchant({ mchNo: 'M-OTHER-ROTATE', publicKey: first.publicKeyHex })).not.toThrow();
  });

  it('rejects bad options early', async () => {
    await expect(startSandbox({ collectionFeePercent: 101 })).rejects.toThrow(SandboxConfigError);
    await expect(startSandbox({ payoutFee: '5.000' })).rejects.toThrow(/payoutFee/);
    await expect(startSandbox({ platformPrivateKey: 'nope' })).rejects.toThrow(/64 hex/);
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collectionBody, controlJson, signVerifies, startTestSandbox, type SandboxTestClient, type TestSandbox } from './helpers.js';

let setup: TestSandbox;
let client: SandboxTestClient;
const CREATE = '/api/pay/unifiedOrder';

beforeAll(async () => {
  setup = await startTestSandbox();
  client = setup.client;
});
afterAll(() => setup.sandbox.close());
afterEach(() => setup.sandbox.faults.clear());

const addFault = (fault: Record<string, unknown>) => controlJson(setup.sandbox.url, 'POST', '/sandbox/faults', fault);
const createRaw = (body: Record<string, unknown>) => client.post(CREATE, { mchNo: client.mchNo, ...body });
const orderExists = async (mchOrderNo: string) => (await client.call('/api/payInInfo', { mchOrderNo })).code === 0;

describe('fault injection', () => {
  it('http500: answers 500 with HTML and creates nothing', async () => {
    expect(await addFault({ path: CREATE, mode: 'http500' })).toMatchObject({ status: 201, json: { mode: 'http500', remaining: 1 } });
    const body = collectionBody();
    const answer = await createRaw(body);
    expect(answer.status).toBe(500);
    expect(answer.text).toContain('<h1>500 Internal Server Error</h1>');
    expect(await orderExists(body.mchOrderNo as string)).toBe(false);
    expect((await createRaw(body)).status).toBe(200);
  });

  it('malformed: answers 200 with invalid JSON and creates nothing', async () => {
    await addFault({ path: CREATE, mode: 'malformed' });
    const body = collectionBody();
    const answer = await createRaw(body);
    expect(answer.status).toBe(200);
    expect(() => JSON.parse(answer.text)).toThrow();
    expect(await orderExists(body.mchOrderNo as string)).toBe(false);
  });

  it('drop: the connection dies before processing', async () => {
    await addFault({ path: CREATE, mode: 'drop' });
    const body = collectionBody();
    await expect(createRaw(body)).rejects.toThrow();
    expect(await orderExists(body.mchOrderNo as string)).toBe(false);
  });

  it('dropAfterStore: the order is created but the answer is lost', async () => {
    await addFault({ path: CREATE, mode: 'dropAfterStore' });
    const body = collectionBody();
    await expect(createRaw(body)).rejects.toThrow();
    expect(await orderExists(body.mchOrderNo as string)).toBe(true);
    expect(JSON.parse((await createRaw(body)).text).code).toBe(5003011);
  });

  it('badSign: processes and answers with a sign that does not verify', async () => {
    await addFault({ path: CREATE, mode: 'badSign' });
    const bad = await client.createCollection();
    expect(bad.code).toBe(0);
    expect(bad.sign).toMatch(/^30[0-9a-f]+$/);
    expect(signVerifies(bad, setup.sandbox.platformPublicKey)).toBe(false);
    expect(signVerifies(await client.createCollection(), setup.sandbox.platformPublicKey)).toBe(true);
  });

  it('latency: processes first, then answers late', async () => {
    await addFault({ path: CREATE, mode: 'latency', latencyMs: 300 });
    const body = collectionBody();
    const pending = createRaw(body);
    const startedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await orderExists(body.mchOrderNo as string)).toBe(true);
    expect(JSON.parse((await pending).text).code).toBe(0);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(190);
  });

  it('applies to count requests, 0 meaning until cleared, and "*" to every TarsPay path', async () => {
    await addFault({ path: '/api/balanceInfo', mode: 'http500', count: 2 });
    expect((await client.post('/api/balanceInfo', { mchNo: client.mchNo })).status).toBe(500);
    expect((await client.post('/api/balanceInfo', { mchNo: client.mchNo })).status).toBe(500);
    expect((await client.post('/api/balanceInfo', { mchNo: client.mchNo })).status).toBe(200);

    await addFault({ path: '*', mode: 'http500', count: 0 });
    for (const path of ['/api/balanceInfo', '/api/payInInfo', CREATE]) {
      expect((await client.post(path, { mchNo: client.mchNo })).status).toBe(500);
    }
    const listed = await controlJson(setup.sandbox.url, 'GET', '/sandbox/faults');
    expect(listed.json.faults).toEqual([{ id: expect.any(Number), path: '*', mode: 'http500', latencyMs: 0, remaining: null, applied: 3 }]);
    expect((await controlJson(setup.sandbox.url, 'GET', '/sandbox/health')).json).toEqual({ ok: true });

    expect(await controlJson(setup.sandbox.url, 'DELETE', '/sandbox/faults')).toMatchObject({ status: 200, json: { faults: [] } });
    expect((await client.post('/api/balanceInfo', { mchNo: client.mchNo })).status).toBe(200);
  });

  it('rejects bad fault definitions with 400', async () => {
    expect((await addFault({ path: '/sandbox/health', mode: 'drop' })).status).toBe(400);
    expect((await addFault({ path: CREATE, mode: 'explode' })).status).toBe(400);
    expect((await addFault({ path: CREATE, mode: 'latency', latencyMs: -1 })).status).toBe(400);
  });

  it('has the same switches on the programmatic API', async () => {
    const fault = setup.sandbox.faults.add({ path: '/api/balanceInfo', mode: 'malformed' });
    expect(setup.sandbox.faults.list()).toEqual([fault]);
    const malformed = await client.post('/api/balanceInfo', { mchNo: client.mchNo });
    expect(() => JSON.parse(malformed.text)).toThrow();
    expect(setup.sandbox.faults.list()).toEqual([]);
    setup.sandbox.faults.add({ path: '/api/balanceInfo', mode: 'http500', count: 0 });
    setup.sandbox.faults.clear();
    expect((await client.post('/api/balanceInfo', { mchNo: client.mchNo })).status).toBe(200);
    expect(() => setup.sandbox.faults.add({ path: 'balance', mode: 'drop' })).toThrow();
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collectionBody, controlJson, payoutBody, signVerifies, startTestSandbox, type SandboxTestClient, type TestSandbox } from './helpers.js';

/** The fault switches that reproduce TarsPay's ambiguous answers: any code, with or without the order stored; unsigned answers. */

let setup: TestSandbox;
let client: SandboxTestClient;
const CREATE = '/api/pay/unifiedOrder';
const PAYOUT = '/api/payOut/unifiedOrder';

beforeAll(async () => {
  setup = await startTestSandbox({ initialBalance: '1000000', payoutFee: '5000' });
  client = setup.client;
});
afterAll(() => setup.sandbox.close());
afterEach(() => setup.sandbox.faults.clear());

const addFault = (fault: Record<string, unknown>) => controlJson(setup.sandbox.url, 'POST', '/sandbox/faults', fault);
const send = async (path: string, body: Record<string, unknown>) => {
  const answer = await client.post(path, { mchNo: client.mchNo, ...body });
  return { status: answer.status, text: answer.text, json: JSON.parse(answer.text) };
};
const balance = async () => (await client.balance()).data!;

describe('answerCode on a create', () => {
  it('without store: answers the code, stores nothing, and the same create sent again is accepted', async () => {
    expect(await addFault({ path: CREATE, mode: 'answerCode', code: 5003013 })).toMatchObject({
      status: 201,
      json: { mode: 'answerCode', code: 5003013, msg: 'Channel error', store: false, remaining: 1 },
    });
    const body = collectionBody();
    const answer = await send(CREATE, body);
    expect(answer).toMatchObject({ status: 200, json: { code: 5003013, msg: 'Channel error' } });
    expect(Object.keys(answer.json).sort()).toEqual(['code', 'msg', 'sign']);
    expect(setup.sandbox.findOrder(client.mchNo, body.mchOrderNo as string)).toBeUndefined();

    const again = await send(CREATE, body);
    expect(again.json.code).toBe(0);
    expect(setup.sandbox.findOrder(client.mchNo, body.mchOrderNo as string)).toMatchObject({ payOrderId: again.json.data.payOrderId, state: 0 });
  });

  it('with store: the order exists (state 0) although the answer is an error, and the same create sent again is refused with 5003011', async () => {
    setup.sandbox.faults.add({ path: CREATE, mode: 'answerCode', code: -1, store: true });
    const body = collectionBody();
    expect((await send(CREATE, body)).json).toEqual({ code: -1, msg: 'System error', sign: expect.stringMatching(/^30/) });
    const stored = setup.sandbox.findOrder(client.mchNo, body.mchOrderNo as string);
    expect(stored).toMatchObject({ kind: 'COLLECTION', state: 0, mchOrderNo: body.mchOrderNo });

    expect((await send(CREATE, body)).json.code).toBe(5003011);
    const inquiry = await client.call('/api/payInInfo', { mchOrderNo: body.mchOrderNo });
    expect(inquiry.data).toMatchObject({ payOrderId: stored!.payOrderId, state: 0 });
  });

  it('with store on a payout: the balance is held as for a real create', async () => {
    const before = await balance();
    setup.sandbox.faults.add({ path: PAYOUT, mode: 'answerCode', code: 5003010, msg: 'Failed to create payment order', store: true });
    const body = payoutBody({ amount: '100000' });
    expect((await send(PAYOUT, body)).json).toEqual({ code: 5003010, msg: 'Failed to create payment order', sign: expect.stringMatching(/^30/) });
    expect(BigInt((await balance()).frozenAmount) - BigInt(before.frozenAmount)).toBe(105_000n);
    expect(setup.sandbox.findOrder(client.mchNo, body.mchOrderNo as string, 'PAYOUT')).toMatchObject({ state: 1 });
  });

  it('without store on a payout: nothing is held', async () => {
    const before = await balance();
    setup.sandbox.faults.add({ path: PAYOUT, mode: 'answerCode', code: 500323 });
    const body = payoutBody();
    expect((await send(PAYOUT, body)).json).toEqual({ code: 500323, msg: 'Remote client error', sign: expect.stringMatching(/^30/) });
    expect(await balance()).toEqual(before);
    expect(setup.sandbox.findOrder(client.mchNo, body.mchOrderNo as string)).toBeUndefined();
  });

  it('with store: a request that fails by itself gets its real error and stores nothing', async () => {
    setup.sandbox.faults.add({ path: CREATE, mode: 'answerCode', code: -1, store: true, count: 2 });
    const fields = collectionBody();
    const body = { mchNo: client.mchNo, ...fields };
    const badSignature = await client.post(CREATE, body, { signature: client.key.sign('something else') });
    expect(JSON.parse(badSignature.text).code).toBe(5003008);
    const badAmount = await send(CREATE, { ...body, amount: '10.5' });
    expect(badAmount.json.code).toBe(500321);
    expect(setup.sandbox.findOrder(client.mchNo, fields.mchOrderNo as string)).toBeUndefined();
  });

  it('answers codes the doc does not list, with the given msg', async () => {
    await addFault({ path: '*', mode: 'answerCode', code: 9999999, msg: 'upstream timeout' });
    expect((await send('/api/balanceInfo', {})).json).toEqual({ code: 9999999, msg: 'upstream timeout', sign: expect.stringMatching(/^30/) });
  });
});

describe('answerCode on inquiries', () => {
  it('with count 0 answers 5003020 to every payout inquiry until cleared, though the payout exists', async () => {
    const payOrderId = (await client.createPayout()).data!.payOrderId;
    await addFault({ path: '/api/payOutInfo', mode: 'answerCode', code: 5003020, count: 0 });
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await send('/api/payOutInfo', { payOrderId })).json).toEqual({
        code: 5003020,
        msg: 'Failed to query payment',
        sign: expect.stringMatching(/^30/),
      });
    }
    expect(setup.sandbox.faults.list()).toEqual([expect.objectContaining({ mode: 'answerCode', remaining: null, applied: 3 })]);
    setup.sandbox.faults.clear();
    expect((await send('/api/payOutInfo', { payOrderId })).json).toMatchObject({ code: 0, data: { payOrderId, state: 1 } });
  });

  it('with store, an inquiry only reads: nothing changes, and an unknown order still gets its real 5003018', async () => {
    const payOrderId = (await client.createCollection()).data!.payOrderId;
    setup.sandbox.faults.add({ path: '/api/payInInfo', mode: 'answerCode', code: 5003018, store: true, count: 0 });
    expect((await send('/api/payInInfo', { payOrderId })).json).toEqual({
      code: 5003018,
      msg: 'Failed to check collection order',
      sign: expect.stringMatching(/^30/),
    });
    expect(setup.sandbox.order(payOrderId)).toMatchObject({ state: 0 });
    const unknown = await send('/api/payInInfo', { mchOrderNo: 'NEVER-CREATED' });
    expect(unknown.json.code).toBe(5003018);
    expect(unknown.json.msg).toContain('NEVER-CREATED');
  });
});

describe('unsigned answers', () => {
  it('a data override answers state 2 for an unpaid order, without sign, and the sandbox order does not change', async () => {
    const before = await balance();
    const payOrderId = (await client.createCollection({ amount: '150000' })).data!.payOrderId;
    await addFault({ path: '/api/payInInfo', mode: 'unsigned', data: { state: 2, payAmount: '150000' } });
    const answer = await send('/api/payInInfo', { payOrderId });
    expect(answer.json).toMatchObject({ code: 0, msg: 'SUCCESS', data: { payOrderId, state: 2, payAmount: '150000', orderAmount: '150000' } });
    expect(answer.json).not.toHaveProperty('sign');
    expect(answer.text).not.toContain('sign');

    expect(setup.sandbox.order(payOrderId)).toMatchObject({ state: 0, payAmount: '0', deliveries: [] });
    expect(await balance()).toEqual(before);
    const real = await client.call('/api/payInInfo', { payOrderId });
    expect(real.data).toMatchObject({ state: 0, payAmount: '0' });
    // Inquiries are unsigned anyway, as TarsPay's are: the fault changes only the data.
    expect(real).not.toHaveProperty('sign');
  });

  it('without data: the real answer, only unsigned; an error answer stays the error', async () => {
    await addFault({ path: '/api/balanceInfo', mode: 'unsigned', count: 2 });
    const unsigned = await send('/api/balanceInfo', {});
    const refused = await client.post('/api/balanceInfo', { mchNo: client.mchNo }, { signature: client.key.sign('x') });
    expect(JSON.parse(refused.text)).toEqual({ code: 5003008, msg: expect.stringContaining('does not verify') });
    const signed = await client.balance();
    expect(signVerifies(signed, setup.sandbox.platformPublicKey)).toBe(true);
    expect(unsigned.json).toEqual({ code: 0, msg: 'SUCCESS', data: signed.data });
  });
});

describe('fault definitions', () => {
  it('refuses bad answerCode and unsigned definitions with 400 naming the field', async () => {
    expect(await addFault({ path: CREATE, mode: 'answerCode' })).toMatchObject({ status: 400, json: { error: expect.stringContaining('code') } });
    expect(await addFault({ path: CREATE, mode: 'answerCode', code: 0 })).toMatchObject({
      status: 400,
      json: { error: expect.stringContaining('code 0 is success') },
    });
    expect(await addFault({ path: CREATE, mode: 'answerCode', code: 1.5 })).toMatchObject({ status: 400, json: { error: expect.stringContaining('code') } });
    expect(await addFault({ path: CREATE, mode: 'answerCode', code: -1, stroe: true })).toMatchObject({
      status: 400,
      json: { error: expect.stringContaining('stroe') },
    });
    expect(await addFault({ path: CREATE, mode: 'answerCode', code: -1, store: 'yes' })).toMatchObject({
      status: 400,
      json: { error: expect.stringContaining('store') },
    });
    expect(await addFault({ path: CREATE, mode: 'unsigned', data: [1] })).toMatchObject({ status: 400, json: { error: expect.stringContaining('data') } });
    expect(await addFault({ path: CREATE, mode: 'http500', code: 5 })).toMatchObject({ status: 400, json: { error: expect.stringContaining('"code"') } });
    expect((await controlJson(setup.sandbox.url, 'GET', '/sandbox/faults')).json.faults).toEqual([]);
    expect(() => setup.sandbox.faults.add({ path: CREATE, mode: 'answerCode', code: 0 })).toThrow(/code 0 is success/);
  });
});

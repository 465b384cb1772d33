import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { TARSPAY_PATHS, TarsPayClient, type TarsPayCallInfo, type TarsPayClientOptions } from '../../src/tarspay/client.js';
import { TarsPayError } from '../../src/tarspay/errors.js';
import { PrivateKey } from '../../src/tarspay/signer.js';
import type { CreateCollectionRequest } from '../../src/tarspay/types.js';
import { closedPort } from '../helpers/wait.js';

let sandbox: Sandbox;
const merchantKey = PrivateKey.generate();
const mchNo = 'M-CLIENT-TEST';
let sequence = 0;

beforeAll(async () => {
  sandbox = await startSandbox({
    host: '127.0.0.1',
    port: 0,
    merchants: [{ mchNo, publicKey: merchantKey.publicKeyHex, balance: '1000000' }],
    payoutFee: '5000',
    log: () => {},
  });
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.faults.clear());

function client(options: Partial<TarsPayClientOptions> = {}, calls: TarsPayCallInfo[] = []): TarsPayClient {
  return new TarsPayClient({
    baseUrl: sandbox.url,
    merchantNo: mchNo,
    privateKey: merchantKey,
    platformPublicKey: sandbox.platformPublicKey,
    retryBaseDelayMs: 5,
    onCall: (info) => calls.push(info),
    ...options,
  });
}

function collection(overrides: Partial<CreateCollectionRequest> = {}): CreateCollectionRequest {
  sequence += 1;
  return {
    mchOrderNo: `CLT-${Date.now()}-${sequence}`,
    wayCode: 'BANK_BCA',
    amount: '150000',
    subject: 'Order',
    body: 'Two items & a #gift',
    notifyUrl: 'http://127.0.0.1:9/tarspay/notify',
    returnUrl: 'https://merchant.example/return?o=1#paid',
    customerName: 'Budi Santoso',
    customerEmail: '',
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<TarsPayError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TarsPayError);
  return error as TarsPayError;
}

describe('TarsPay client against the sandbox', () => {
  it('creates a bank VA collection, signed, with the VA number in the answer', async () => {
    const answer = await client().createCollection(collection());
    expect(answer.payOrderId).toMatch(/^P\d{19}$/);
    expect(answer.status).toBe('CREATED');
    expect(answer.accountNumber ?? answer.payUrl).toMatch(/^\d{10,}$/);
  });

  it('creates QRIS, e-wallet, mart and cashier collections with realistic instructions', async () => {
    const qris = await client().createCollection(collection({ wayCode: 'QRIS' }));
    expect(qris.payData).toMatch(/^000201010212.*5802ID.*6304[0-9A-F]{4}$/);
    const mart = await client().createCollection(collection({ wayCode: 'MART_ALFA' }));
    expect(mart.payUrl).toMatch(/^\d{8,}$/);
    const cashier = await client().createCollection(collection({ wayCode: 'CASHIER' }));
    expect(cashier.payUrl).toContain(`/sandbox/cashier/${cashier.payOrderId}`);
    const ewallet = await client().createCollection(collection({ wayCode: 'EWALLET_OVO' }));
    expect(ewallet.payUrl).toMatch(/^https?:\/\//);
  });

  it('omits empty fields before signing (the sandbox would refuse a mismatch)', async () => {
    const answer = await client().createCollection(collection({ customerEmail: '', customerContact: undefined }));
    expect(answer.status).toBe('CREATED');
  });

  it('creates a payout and asks about it by either id', async () => {
    const tarspay = client();
    const mchOrderNo = `PO-${Date.now()}`;
    const payout = await tarspay.createPayout({
      mchOrderNo,
      wayCode: 'BANK_MANDIRI',
      amount: '20000',
      notifyUrl: 'http://127.0.0.1:9/notify',
      customerName: 'Siti Rahayu',
      customerContact: '081234567890',
      customerAccountNumber: '1234567890',
      customerEmail: 'siti@example.co.id',
    });
    expect(payout.mchOrderNo).toBe(mchOrderNo);
    const byId = await tarspay.payoutInquiry({ payOrderId: payout.payOrderId });
    const byMchOrderNo = await tarspay.payoutInquiry({ mchOrderNo });
    expect(byId.status).toBe('PROCESSING');
    expect(byMchOrderNo.payOrderId).toBe(payout.payOrderId);
    expect(byId.orderAmount).toBe('20000');
  });

  it('reads a collection after the sandbox settles it, and the balance moves', async () => {
    const tarspay = client();
    const before = await tarspay.balance();
    const created = await tarspay.createCollection(collection({ amount: '100000' }));
    sandbox.settle(created.payOrderId, { outcome: 'SUCCEEDED' });
    const inquiry = await tarspay.collectionInquiry({ payOrderId: created.payOrderId });
    expect(inquiry).toMatchObject({ status: 'SUCCEEDED', payAmount: '100000', orderAmount: '100000' });
    const after = await tarspay.balance();
    const fee = BigInt(inquiry.fee ?? '0');
    expect(BigInt(after.availableAmount) - BigInt(before.availableAmount)).toBe(100000n - fee);
    expect(typeof after.availableAmount).toBe('string');
  });

  it('pages transaction history', async () => {
    const history = await client().transactionHistory({ bizType: 1, pageNumber: 1, pageSize: 50 });
    expect(history.records.length).toBeGreaterThan(0);
    expect(history.records.every((record) => record.bizType === 1)).toBe(true);
    expect(history.records[0]!.status).toBeDefined();
  });

  it('uses a configurable history path', async () => {
    const error = await rejection(client({ historyPath: '/api/noSuchList' }).transactionHistory({ pageNumber: 1, pageSize: 10 }));
    expect(error.endpoint).toBe('/api/noSuchList');
  });
});

describe('TarsPay said no: typed errors, each code read for what it proves', () => {
  it.each([
    ['unsupported method', { wayCode: 'BANK_NOPE' }, 5003009, 'method'],
    ['bad amount', { amount: '100' }, 500321, 'parameters'],
  ] as const)('%s', async (_name, overrides, code, refusalReason) => {
    const error = await rejection(client().createCollection(collection(overrides)));
    expect(error).toMatchObject({ kind: 'rejected', code, meaning: 'refused', refusalReason, notSent: false });
  });

  it('duplicate mchOrderNo is 5003011: TarsPay already has the order', async () => {
    const request = collection();
    await client().createCollection(request);
    const error = await rejection(client().createCollection(request));
    expect(error).toMatchObject({ code: 5003011, meaning: 'exists' });
  });

  it('insufficient balance is 5004006', async () => {
    const error = await rejection(
      client().createPayout({
        mchOrderNo: `PO-BIG-${Date.now()}`,
        wayCode: 'BANK_BCA',
        amount: '900000000',
        notifyUrl: 'http://127.0.0.1:9/notify',
        customerName: 'A',
        customerContact: '081234567890',
        customerAccountNumber: '123456',
        customerEmail: 'a@example.id',
      }),
    );
    expect(error).toMatchObject({ code: 5004006, meaning: 'refused', refusalReason: 'balance' });
  });

  it('a key TarsPay does not know is 5003002, a wrong signature 5003008', async () => {
    const stranger = await rejection(client({ privateKey: PrivateKey.generate() }).balance());
    expect(stranger).toMatchObject({ code: 5003002, meaning: 'refused', refusalReason: 'merchant' });
    const wrongMerchant = await rejection(client({ merchantNo: 'M-SOMEONE-ELSE' }).balance());
    expect(wrongMerchant.code).toBe(5003002);
  });

  it('an inquiry TarsPay cannot answer says "could not check", never "does not exist"', async () => {
    const error = await rejection(client().collectionInquiry({ mchOrderNo: 'NEVER-SENT' }));
    expect(error).toMatchObject({ code: 5003018, meaning: 'could-not-check' });
  });
});

describe('no answer: creates are sent once, reads are retried', () => {
  it('a dropped create is unavailable, outcome unknown, and is not retried', async () => {
    sandbox.faults.add({ path: TARSPAY_PATHS.createCollection, mode: 'dropAfterStore', count: 1 });
    const calls: TarsPayCallInfo[] = [];
    const request = collection();
    const error = await rejection(client({ readAttempts: 5 }, calls).createCollection(request));
    expect(error).toMatchObject({ kind: 'unavailable', notSent: false, meaning: undefined });
    expect(calls).toHaveLength(1);
    // The sandbox did create it: asking (not resending) is how the outcome is learnt.
    const inquiry = await client().collectionInquiry({ mchOrderNo: request.mchOrderNo });
    expect(inquiry.status).toBe('CREATED');
  });

  it('a create that times out is unavailable after the configured timeout', async () => {
    sandbox.faults.add({ path: TARSPAY_PATHS.createCollection, mode: 'latency', latencyMs: 2000, count: 1 });
    const started = Date.now();
    const error = await rejection(client({ timeoutMs: 200 }).createCollection(collection()));
    expect(error.kind).toBe('unavailable');
    expect(error.message).toMatch(/no answer within 200 ms/);
    expect(Date.now() - started).toBeLessThan(1900);
  });

  it('an inquiry retries through HTTP 500s with backoff, up to its attempts', async () => {
    const created = await client().createCollection(collection());
    sandbox.faults.add({ path: TARSPAY_PATHS.collectionInquiry, mode: 'http500', count: 2 });
    const calls: TarsPayCallInfo[] = [];
    const answer = await client({ readAttempts: 3 }, calls).collectionInquiry({ payOrderId: created.payOrderId });
    expect(answer.status).toBe('CREATED');
    expect(calls.map((call) => call.outcome)).toEqual(['unavailable', 'unavailable', 'ok']);
  });

  it('gives up after its attempts and says the answer never came', async () => {
    sandbox.faults.add({ path: TARSPAY_PATHS.balance, mode: 'drop', count: 0 });
    const calls: TarsPayCallInfo[] = [];
    const error = await rejection(client({ readAttempts: 2 }, calls).balance());
    expect(error).toMatchObject({ kind: 'unavailable', notSent: false });
    expect(calls).toHaveLength(2);
  });

  it('a malformed answer is a bad response, not a rejection', async () => {
    sandbox.faults.add({ path: TARSPAY_PATHS.createCollection, mode: 'malformed', count: 1 });
    const error = await rejection(client().createCollection(collection()));
    expect(error).toMatchObject({ kind: 'bad_response', meaning: undefined });
  });

  it('rejections are not retried', async () => {
    const calls: TarsPayCallInfo[] = [];
    await rejection(client({ readAttempts: 3 }, calls).collectionInquiry({ mchOrderNo: 'NEVER-SENT-2' }));
    expect(calls).toHaveLength(1);
  });
});

describe('response signatures', () => {
  it('verifies good signs silently', async () => {
    const warnings: string[] = [];
    await client({ responseSignMode: 'strict', onWarning: (message) => warnings.push(message) }).balance();
    expect(warnings).toEqual([]);
  });

  it('logs a bad sign by default and refuses it in strict mode', async () => {
    const warnings: string[] = [];
    sandbox.faults.add({ path: TARSPAY_PATHS.balance, mode: 'badSign', count: 1 });
    const balance = await client({ onWarning: (message) => warnings.push(message) }).balance();
    expect(balance.availableAmount).toMatch(/^\d+$/);
    expect(warnings).toEqual(['TarsPay response sign does not verify']);

    sandbox.faults.add({ path: TARSPAY_PATHS.balance, mode: 'badSign', count: 1 });
    const error = await rejection(client({ responseSignMode: 'strict', readAttempts: 1 }).balance());
    expect(error).toMatchObject({ kind: 'bad_response', meaning: undefined });
  });

  it('a wrong platform key is caught the same way', async () => {
    const error = await rejection(client({ responseSignMode: 'strict', readAttempts: 1, platformPublicKey: PrivateKey.generate().publicKeyHex }).balance());
    expect(error.message).toMatch(/sign that does not verify/);
  });

  it('strict mode counts an unsigned answer as lost; log mode uses it', async () => {
    const request = collection();
    await client().createCollection(request);
    sandbox.faults.add({ path: TARSPAY_PATHS.collectionInquiry, mode: 'unsigned', data: { state: 2 }, count: 1 });
    const error = await rejection(client({ responseSignMode: 'strict', readAttempts: 1 }).collectionInquiry({ mchOrderNo: request.mchOrderNo }));
    expect(error).toMatchObject({ kind: 'bad_response', meaning: undefined });
    expect(error.message).toMatch(/has no sign/);
    sandbox.faults.add({ path: TARSPAY_PATHS.collectionInquiry, mode: 'unsigned', count: 1 });
    expect((await client({ readAttempts: 1 }).collectionInquiry({ mchOrderNo: request.mchOrderNo })).status).toBe('CREATED');
  });

  it('strict mode accepts a refusal only when it is signed too', async () => {
    const error = await rejection(client({ responseSignMode: 'strict' }).createCollection(collection({ amount: '100' })));
    expect(error).toMatchObject({ kind: 'rejected', code: 500321, meaning: 'refused' });
    sandbox.faults.add({ path: TARSPAY_PATHS.createCollection, mode: 'unsigned', count: 1 });
    const unsigned = await rejection(client({ responseSignMode: 'strict' }).createCollection(collection({ amount: '100' })));
    expect(unsigned).toMatchObject({ kind: 'bad_response', code: 500321, meaning: undefined });
  });
});

describe('a request that never left', () => {
  it('is marked notSent when the connection is refused', async () => {
    const error = await rejection(client({ baseUrl: `http://127.0.0.1:${await closedPort()}` }).createCollection(collection()));
    expect(error).toMatchObject({ kind: 'unavailable', notSent: true });
    expect(error.message).toMatch(/ECONNREFUSED/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TARSPAY_CODES } from '../../src/tarspay/error-codes.js';
import { PrivateKey } from '../../src/tarspay/signer.js';
import { collectionBody, errorSignVerifies, payoutBody, startTestSandbox, type Envelope, type SandboxTestClient, type TestSandbox } from './helpers.js';

let setup: TestSandbox;
let client: SandboxTestClient;
const otherMerchant = PrivateKey.generate();

beforeAll(async () => {
  setup = await startTestSandbox({ initialBalance: '1000000' });
  client = setup.client;
  setup.sandbox.registerMerchant({ mchNo: 'M-OTHER', publicKey: otherMerchant.publicKeyHex });
});
afterAll(() => setup.sandbox.close());

function expectError(answer: Envelope, code: number, msgPart?: string | RegExp): void {
  expect(answer.code, answer.msg).toBe(code);
  expect(answer.data).toBeUndefined();
  expect(errorSignVerifies(answer, setup.sandbox.platformPublicKey)).toBe(true);
  expect(answer.msg.startsWith(TARSPAY_CODES[code]!.message)).toBe(true);
  if (msgPart) expect(answer.msg).toMatch(msgPart);
}

describe('5003001 missing or bad parameter', () => {
  it.each(['mchOrderNo', 'wayCode', 'amount', 'body', 'currency', 'notifyUrl', 'returnUrl'])('collection without %s', async (name) => {
    expectError(await client.call('/api/pay/unifiedOrder', collectionBody({ [name]: undefined })), 5003001, name);
  });

  it.each(['customerName', 'customerContact', 'customerAccountNumber', 'customerEmail', 'notifyUrl'])('payout without %s', async (name) => {
    expectError(await client.call('/api/payOut/unifiedOrder', payoutBody({ [name]: '' })), 5003001, name);
  });

  it('names mchNo when it is missing', async () => {
    const body = collectionBody();
    const answer = JSON.parse((await client.post('/api/pay/unifiedOrder', body)).text) as Envelope;
    expectError(answer, 5003001, 'mchNo');
  });

  it('rejects a body that is not JSON', async () => {
    const answer = JSON.parse((await client.post('/api/balanceInfo', { mchNo: client.mchNo }, { rawBody: '{"mchNo":' })).text);
    expectError(answer, 5003001, 'not valid JSON');
  });

  it('rejects other currencies', async () => {
    expectError(await client.createCollection({ currency: 'USD' }), 5003001, 'currency must be "IDR"');
  });

  it('needs payOrderId or mchOrderNo in inquiries', async () => {
    expectError(await client.call('/api/payInInfo', {}), 5003001, 'payOrderId or mchOrderNo');
    expectError(await client.call('/api/payOutInfo', {}), 5003001, 'payOrderId or mchOrderNo');
  });

  it.each([
    [{ pageSize: 10 }, 'pageNumber is required'],
    [{ pageNumber: 0, pageSize: 10 }, 'pageNumber'],
    [{ pageNumber: 1, pageSize: 51 }, 'pageSize must be a whole number from 1 to 50'],
    [{ pageNumber: 1, pageSize: 0 }, 'pageSize'],
    [{ pageNumber: 1, pageSize: 10, bizType: 7 }, 'bizType'],
    [{ pageNumber: 1, pageSize: 10, startTime: 'yesterday' }, 'startTime'],
  ])('rejects history paging %j', async (body, msg) => {
    expectError(await client.call('/api/orderList', body), 5003001, msg);
  });
});

describe('5003002 unknown merchant', () => {
  it('rejects an X-API-KEY that is not registered', async () => {
    const stranger = PrivateKey.generate();
    const answer = await client.call('/api/balanceInfo', {}, { apiKey: stranger.publicKeyHex });
    expectError(answer, 5003002, 'X-API-KEY');
  });

  it("rejects a mchNo that is not the key's merchant", async () => {
    expectError(await client.call('/api/balanceInfo', { mchNo: 'M-OTHER' }), 5003002, 'M-OTHER');
  });
});

describe('5003008 signature error', () => {
  it('rejects a signature that does not verify, showing the message to sign', async () => {
    const wrong = otherMerchant.sign('POST|/api/balanceInfo|1|mchNo=x');
    const answer = await client.call('/api/balanceInfo', {}, { signature: wrong });
    expectError(answer, 5003008, `POST|/api/balanceInfo|`);
  });

  it('rejects a signature over another path', async () => {
    const nonce = String(Date.now());
    const signature = client.key.sign(`POST|/api/payInInfo|${nonce}|mchNo=${client.mchNo}`);
    expectError(await client.call('/api/balanceInfo', {}, { nonce, signature }), 5003008);
  });

  it('rejects a stale nonce, saying it is out of the window', async () => {
    const answer = await client.call('/api/balanceInfo', {}, { nonce: String(Date.now() - 301_000) });
    expectError(answer, 5003008, /out of the window/);
  });

  it('rejects a nonce from the future beyond the window too', async () => {
    expectError(await client.call('/api/balanceInfo', {}, { nonce: String(Date.now() + 301_000) }), 5003008, /out of the window/);
  });

  it('rejects a nonce that is not digits', async () => {
    expectError(await client.call('/api/balanceInfo', {}, { nonce: '2024-01-01T00:00:00Z' }), 5003008, 'X-API-NONCE');
  });
});

describe('order rules', () => {
  it('5003009 for an unknown collection method or payout bank', async () => {
    expectError(await client.createCollection({ wayCode: 'BANK_XYZ' }), 5003009, 'BANK_XYZ');
    expectError(await client.createPayout({ wayCode: 'QRIS' }), 5003009, 'QRIS');
  });

  it('5003011 for a duplicate mchOrderNo of the same kind, not across kinds or merchants', async () => {
    expect((await client.createCollection({ mchOrderNo: 'DUP-1' })).code).toBe(0);
    expectError(await client.createCollection({ mchOrderNo: 'DUP-1', amount: '20000' }), 5003011, 'DUP-1');
    expect((await client.createPayout({ mchOrderNo: 'DUP-1' })).code).toBe(0);
    expectError(await client.createPayout({ mchOrderNo: 'DUP-1' }), 5003011);
  });

  it.each([
    ['BANK_BCA', '0', 'cannot be zero'],
    ['BANK_BCA', '150000.00', 'without decimals'],
    ['BANK_BCA', 150000, 'JSON string'],
    ['BANK_BCA', '-150000', 'digits'],
    ['BANK_BCA', '1,500', 'digits'],
    ['BANK_BCA', '0150000', 'leading zeros'],
    ['BANK_BCA', '9999', 'from 10000 to 50000000'],
    ['BANK_MANDIRI', '50000001', 'from 10000 to 50000000'],
    ['EWALLET_DANA', '9999', 'at least 10000'],
    ['QRIS', '5000', 'at least 10000'],
    ['MART_INDO', '5000', 'at least 10000'],
    ['CASHIER', '1', 'at least 10000'],
  ])('500321 for a %s collection of %j', async (wayCode, amount, msg) => {
    expectError(await client.createCollection({ wayCode, amount }), 500321, msg);
  });

  it('accepts the limits themselves', async () => {
    expect((await client.createCollection({ wayCode: 'BANK_BCA', amount: '10000' })).code).toBe(0);
    expect((await client.createCollection({ wayCode: 'BANK_BCA', amount: '50000000' })).code).toBe(0);
    expect((await client.createCollection({ wayCode: 'EWALLET_DANA', amount: '90000000' })).code).toBe(0);
  });

  it('500321 for a payout below 10,000 or not whole rupiah', async () => {
    expectError(await client.createPayout({ amount: '9999' }), 500321, 'at least 10000');
    expectError(await client.createPayout({ amount: '10000.5' }), 500321);
  });

  it('5004006 for a payout beyond the available balance, fee included', async () => {
    const { data } = await client.balance();
    const available = BigInt(data!.availableAmount);
    const tooMuch = (available - 5000n + 1n).toString();
    expectError(await client.createPayout({ amount: tooMuch }), 5004006, 'fee 5000');
    expect((await client.balance()).data!.availableAmount).toBe(available.toString());
    expect((await client.createPayout({ amount: (available - 5000n).toString() })).code).toBe(0);
    expect((await client.balance()).data).toMatchObject({ availableAmount: '0' });
  });

  it.each(['ftp://merchant.example/notify', 'merchant.example/notify', 'not a url'])('5003012 for notifyUrl %s', async (notifyUrl) => {
    expectError(await client.createCollection({ notifyUrl }), 5003012, 'notifyUrl');
    expectError(await client.createPayout({ notifyUrl }), 5003012, 'notifyUrl');
  });

  it('5003018 / 5003020 when the order is not found, or is another kind or merchant', async () => {
    expectError(await client.call('/api/payInInfo', { payOrderId: 'P0000000000000000000' }), 5003018);
    expectError(await client.call('/api/payInInfo', { mchOrderNo: 'nope' }), 5003018);
    expectError(await client.call('/api/payOutInfo', { mchOrderNo: 'nope' }), 5003020);
    const collection = await client.createCollection();
    expectError(await client.call('/api/payOutInfo', { payOrderId: collection.data!.payOrderId }), 5003020);
    expectError(await client.call('/api/payInInfo', { payOrderId: collection.data!.payOrderId, mchOrderNo: 'another' }), 5003018);
  });
});

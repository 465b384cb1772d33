import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc16Ccitt, parseQrisFields } from '../../src/sandbox/qris.js';
import { signVerifies, startTestSandbox, type SandboxTestClient, type TestSandbox } from './helpers.js';

let setup: TestSandbox;
let client: SandboxTestClient;

beforeAll(async () => {
  setup = await startTestSandbox({ publicBaseUrl: 'https://sandbox.example/' });
  client = setup.client;
});
afterAll(() => setup.sandbox.close());

describe('create collection (/api/pay/unifiedOrder)', () => {
  it('answers a bank VA order like TarsPay, signed with the platform key', async () => {
    const answer = await client.createCollection({ mchOrderNo: 'VA-1', wayCode: 'BANK_PERMATA', amount: '150000' });
    expect(answer).toMatchObject({ code: 0, msg: 'SUCCESS' });
    expect(signVerifies(answer, setup.sandbox.platformPublicKey)).toBe(true);
    const data = answer.data!;
    expect(data).toMatchObject({
      amount: '150000',
      body: 'Two batik shirts',
      countryCode: 'id',
      currency: 'IDR',
      customerContact: '081234567890',
      mchOrderNo: 'VA-1',
      orderState: 0,
      subject: 'Order 1001',
      accountName: 'Budi Santoso',
      typeBank: 'BANK PERMATA',
    });
    expect(data.payOrderId).toMatch(/^P\d{19}$/);
    expect(data.payUrl).toMatch(/^8215\d{12}$/);
    expect(data.accountNumber).toBe(data.payUrl);
    expect(data.payWays).toEqual({
      bank: [
        {
          countryCode: 'id',
          payWay: 'BANK_PERMATA',
          payWayLogo: 'https://sandbox.example/sandbox/logos/BANK_PERMATA.svg',
          payWayType: 'bank',
        },
      ],
    });
  });

  it('gives QRIS orders a valid dynamic QRIS string with the amount and a correct CRC', async () => {
    const answer = await client.createCollection({ wayCode: 'QRIS', amount: '275000' });
    const qris: string = answer.data!.payData;
    expect(qris.startsWith('000201010212')).toBe(true);
    expect(qris).toContain('5802ID');
    expect(qris).toContain('5303360');
    const fields = parseQrisFields(qris);
    expect(fields.get('54')).toBe('275000');
    expect(fields.get('59')).toBe(`Sandbox ${client.mchNo}`.slice(0, 25));
    expect(fields.get('63')).toBe(crc16Ccitt(qris.slice(0, -4)));
    expect(answer.data).toMatchObject({ payUrl: qris, typeBank: 'QRIS' });
    expect(answer.data!.payWays.qris[0].payCode).toBe(qris);
  });

  it('gives e-wallet orders a checkout URL on the sandbox and QR data', async () => {
    const answer = await client.createCollection({ wayCode: 'EWALLET_OVO' });
    expect(answer.data!.payUrl).toBe(`https://sandbox.example/sandbox/ewallet/ovo/checkout/${answer.data!.payOrderId}`);
    expect(answer.data!.payData.startsWith('000201010212')).toBe(true);
    expect(answer.data!.accountNumber).toBe('081234567890');
    const page = await fetch(`${setup.sandbox.url}/sandbox/ewallet/ovo/checkout/${answer.data!.payOrderId}`);
    expect(page.status).toBe(200);
  });

  it('gives mart orders a 16-digit payment code', async () => {
    const answer = await client.createCollection({ wayCode: 'MART_ALFA' });
    expect(answer.data!.payUrl).toMatch(/^7710\d{12}$/);
    expect(answer.data!.payData).toBeUndefined();
  });

  it('sends CASHIER orders to a hosted page listing every method, with a Pay button', async () => {
    const answer = await client.createCollection({ wayCode: 'CASHIER', amount: '1234567' });
    const { payOrderId, payUrl, payWays } = answer.data!;
    expect(payUrl).toBe(`https://sandbox.example/sandbox/cashier/${payOrderId}`);
    expect(Object.keys(payWays).sort()).toEqual(['bank', 'ewallet', 'market', 'qris']);
    const page = await fetch(`${setup.sandbox.url}/sandbox/cashier/${payOrderId}`);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('Rp 1.234.567');
    expect(html).toContain('>Pay</button>');
    expect(html).toContain(`/sandbox/orders/${payOrderId}/settle`);
    const logo = await fetch(`${setup.sandbox.url}/sandbox/logos/BANK_BCA.svg`);
    expect(logo.headers.get('content-type')).toBe('image/svg+xml');
  });

  it('records createdAt and expiresAt', async () => {
    const before = Date.now();
    const answer = await client.createCollection();
    const order = setup.sandbox.order(answer.data!.payOrderId)!;
    const createdAt = Date.parse(order.createdAt);
    expect(createdAt).toBeGreaterThanOrEqual(before);
    expect(Date.parse(order.expiresAt!) - createdAt).toBe(1_800_000);
  });

  it('answers expiredTime as Unix seconds (UTC, a number), when the unpaid order closes', async () => {
    const answer = await client.createCollection();
    const order = setup.sandbox.order(answer.data!.payOrderId)!;
    expect(answer.data!.expiredTime).toBe(Math.floor(Date.parse(order.expiresAt!) / 1000));
    expect(signVerifies(answer, setup.sandbox.platformPublicKey)).toBe(true);
  });

  it('answers payDataType with payData only (QRIS and e-wallets), none for banks, marts and the cashier', async () => {
    const typeOf = async (wayCode: string) => {
      const data = (await client.createCollection({ wayCode })).data!;
      return { payDataType: data.payDataType, hasPayData: data.payData !== undefined };
    };
    expect(await typeOf('QRIS')).toEqual({ payDataType: 'qrCode', hasPayData: true });
    expect(await typeOf('EWALLET_DANA')).toEqual({ payDataType: 'qrCode', hasPayData: true });
    for (const wayCode of ['BANK_BCA', 'MART_INDO', 'CASHIER']) expect(await typeOf(wayCode)).toEqual({ payDataType: undefined, hasPayData: false });
  });

  it('answers no expiredTime for an order that never expires', async () => {
    const forever = await startTestSandbox({ orderExpiryMs: 0 });
    try {
      expect((await forever.client.createCollection()).data).not.toHaveProperty('expiredTime');
    } finally {
      await forever.sandbox.close();
    }
  });
});

describe('inquiry signatures', () => {
  it('with signInquiries (SANDBOX_SIGN_INQUIRIES): inquiry answers carry a sign that verifies', async () => {
    const signing = await startTestSandbox({ signInquiries: true, initialBalance: '1000000' });
    try {
      const collection = (await signing.client.createCollection()).data!.payOrderId;
      const payout = (await signing.client.createPayout({ mchOrderNo: 'PO-SIGNED' })).data!.payOrderId;
      for (const [path, payOrderId] of [
        ['/api/payInInfo', collection],
        ['/api/payOutInfo', payout],
      ] as const) {
        const answer = await signing.client.call(path, { payOrderId });
        expect(answer).toMatchObject({ code: 0, data: { payOrderId } });
        expect(signVerifies(answer, signing.sandbox.platformPublicKey)).toBe(true);
      }
    } finally {
      await signing.sandbox.close();
    }
  });

  it("without it: neither inquiry carries a sign, as in TarsPay's document", async () => {
    const payout = (await client.createPayout({ mchOrderNo: 'PO-UNSIGNED' })).data!.payOrderId;
    const answer = await client.call('/api/payOutInfo', { payOrderId: payout });
    expect(answer).toMatchObject({ code: 0, data: { payOrderId: payout } });
    expect(answer).not.toHaveProperty('sign');
  });
});

describe('inquiries, payouts, balance, history', () => {
  it('finds a collection by payOrderId or by mchOrderNo', async () => {
    const created = await client.createCollection({ mchOrderNo: 'INQ-1', amount: '20000' });
    const payOrderId = created.data!.payOrderId;
    const expected = {
      currency: 'IDR',
      fee: '0',
      mchNo: client.mchNo,
      mchOrderNo: 'INQ-1',
      orderAmount: '20000',
      payAmount: '0',
      payOrderId,
      state: 0,
    };
    const byId = await client.call('/api/payInInfo', { payOrderId });
    expect(byId).toMatchObject({ code: 0, data: expected });
    // As TarsPay's document shows its inquiry answers: without `sign` (SANDBOX_SIGN_INQUIRIES adds one).
    expect(Object.keys(byId).sort()).toEqual(['code', 'data', 'msg']);
    expect((await client.call('/api/payInInfo', { mchOrderNo: 'INQ-1' })).data).toEqual(expected);
  });

  it('creates a payout in state 1 and finds it', async () => {
    const created = await client.createPayout({ mchOrderNo: 'PO-1', wayCode: 'BANK_SYARIAH_INDONESIA_(BSI)', address: 'Jakarta' });
    expect(created.code).toBe(0);
    expect(Object.keys(created.data!).sort()).toEqual(['mchOrderNo', 'payOrderId']);
    expect(created.data!.payOrderId).toMatch(/^P\d{19}$/);
    expect(signVerifies(created, setup.sandbox.platformPublicKey)).toBe(true);
    const inquiry = await client.call('/api/payOutInfo', { mchOrderNo: 'PO-1' });
    expect(inquiry.data).toEqual({
      currency: 'IDR',
      fee: '5000',
      mchNo: client.mchNo,
      mchOrderNo: 'PO-1',
      orderAmount: '100000',
      payAmount: '0',
      payOrderId: created.data!.payOrderId,
      state: 1,
    });
  });

  it('answers the balance as strings', async () => {
    const answer = await client.balance();
    expect(answer.code).toBe(0);
    expect(answer.data).toEqual({ availableAmount: expect.stringMatching(/^\d+$/), frozenAmount: expect.stringMatching(/^\d+$/), mchNo: client.mchNo });
    expect(signVerifies(answer, setup.sandbox.platformPublicKey)).toBe(true);
  });

  it('answers the history in the page shape of the doc', async () => {
    const created = await client.createCollection({ mchOrderNo: 'HIST-1', customerAccountNumber: '5550001' });
    setup.sandbox.settle(created.data!.payOrderId, { outcome: 'SUCCEEDED' });
    const answer = await client.call('/api/orderList', { pageNumber: 1, pageSize: 10, bizType: 1 });
    expect(answer.code).toBe(0);
    expect(signVerifies(answer, setup.sandbox.platformPublicKey)).toBe(true);
    expect(answer.data).toMatchObject({ current: 1, pages: 1, size: 10, total: 1 });
    const [record] = answer.data!.records;
    expect(record).toEqual({
      amount: '145500',
      bankCard: '5550001',
      bankName: 'BANK BCA',
      bizType: 1,
      createdAt: expect.any(Number),
      currency: 'IDR',
      mchFeeAmount: '4500',
      mchName: `Sandbox ${client.mchNo}`,
      mchNo: client.mchNo,
      mchOrderNo: 'HIST-1',
      mobilePhone: '081234567890',
      orderAmount: '150000',
      payOrderId: created.data!.payOrderId,
      payWay: 'BANK_BCA',
      payWayType: 'bank',
      payerName: 'Budi Santoso',
      state: 2,
      successTime: expect.any(Number),
    });
    expect(record.createdAt).toBeLessThanOrEqual(record.successTime);
    expect(String(record.createdAt)).toHaveLength(10);
  });
});

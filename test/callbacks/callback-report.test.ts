import { describe, expect, it } from 'vitest';
import type { CallbackBody } from '../../src/callbacks/callback-body.js';
import { readCallbackReport } from '../../src/callbacks/callback-report.js';

const PAID = {
  bizType: 1,
  currency: 'IDR',
  fee: '4500',
  mchNo: 'M1',
  mchOrderNo: 'ORD-1',
  orderAmount: '150000',
  payAmount: '150000',
  payOrderId: 'P1',
  state: 2,
};

function report(changes: Record<string, unknown> = {}) {
  const body: Record<string, unknown> = { ...PAID };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete body[key];
    else body[key] = value;
  }
  return readCallbackReport(body as CallbackBody);
}

describe('readCallbackReport', () => {
  it("reads TarsPay's paid collection callback", () => {
    expect(report()).toEqual({
      payOrderId: 'P1',
      mchOrderNo: 'ORD-1',
      kind: 'COLLECTION',
      status: 'SUCCEEDED',
      paidAmount: '150000',
      orderAmount: '150000',
      fee: '4500',
      failureReason: undefined,
      problems: [],
    });
  });

  it('accepts the forms TarsPay is known to use: numbers or text for state and bizType, numbers for amounts, empty optional fields', () => {
    expect(report({ state: '9', bizType: '2', payAmount: 100000, fee: '', orderAmount: null, currency: undefined })).toMatchObject({
      status: 'PARTIALLY_PAID',
      kind: 'PAYOUT',
      paidAmount: '100000',
      fee: undefined,
      orderAmount: undefined,
      problems: [],
    });
    expect(report({ state: 3, payAmount: undefined, failReason: 'rejected by bank' })).toMatchObject({
      status: 'FAILED',
      failureReason: 'rejected by bank',
      problems: [],
    });
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['paid without payAmount', { payAmount: undefined }, /payAmount is missing/],
    ['paid with payAmount ""', { payAmount: '' }, /payAmount is missing/],
    ['partially paid without payAmount', { state: 9, payAmount: null }, /payAmount is missing/],
    ['a fractional payAmount', { payAmount: '1.5' }, /payAmount "1.5" is not a whole rupiah amount/],
    ['a fractional orderAmount', { orderAmount: '150000.50' }, /orderAmount "150000.50" is not a whole rupiah amount/],
    ['an exponent orderAmount', { orderAmount: 1e30 }, /orderAmount 1e\+30/],
    ['an unknown state', { state: 10 }, /state 10 is not a TarsPay state code/],
    ['no state', { state: undefined }, /state missing/],
    ['state true', { state: true }, /state true/],
    ['bizType 3', { bizType: 3 }, /bizType 3 is neither/],
    ['bizType " 1"', { bizType: ' 1' }, /bizType " 1" is neither/],
    ['another currency', { currency: 'USD' }, /currency "USD" is not IDR/],
    ['an over-long payOrderId', { payOrderId: 'P'.repeat(129) }, /payOrderId is not an order id/],
    ['a boolean mchOrderNo', { mchOrderNo: false }, /mchOrderNo is not an order id/],
    ['an object failReason', { state: 3, failReason: { a: 1 } }, /failReason is not text/],
  ])('%s is a problem', (_name, changes, expected) => {
    const read = report(changes);
    expect(read.problems.join('; ')).toMatch(expected);
  });

  it('reads a fractional fee exactly, as the text TarsPay sent, and never lets a fee stop the report', () => {
    expect(report({ fee: '1050.50' })).toMatchObject({ status: 'SUCCEEDED', paidAmount: '150000', fee: '1050.50', problems: [] });
    for (const fee of [-1, '-1', '1e3', 'abc', 10.5, { a: 1 }]) expect(report({ fee })).toMatchObject({ fee: undefined, problems: [] });
  });

  it('reads "150000.00" as 150000, as inquiry answers do (readReportedAmount)', () => {
    expect(report({ payAmount: '150000.00', orderAmount: '150000.0' })).toMatchObject({ paidAmount: '150000', orderAmount: '150000', problems: [] });
  });

  it('a refused amount is never read as zero or as no amount', () => {
    const read = report({ payAmount: '-150000' });
    expect(read.paidAmount).toBeUndefined();
    expect(read.problems).toHaveLength(1);
  });
});

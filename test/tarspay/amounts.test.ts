import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseWireAmount, readFee, readReportedAmount } from '../../src/tarspay/amounts.js';

const strict = { zeroFraction: 'reject' } as const;
const lenient = { zeroFraction: 'accept' } as const;

describe('parseWireAmount', () => {
  it.each<[unknown, string]>([
    ['150000', '150000'],
    ['0', '0'],
    ['999999999999999999', '999999999999999999'],
    [150000, '150000'],
    [0, '0'],
    [-0, '0'],
    [Number.MAX_SAFE_INTEGER, '9007199254740991'],
  ])('reads %j as %s in both modes', (value, expected) => {
    expect(parseWireAmount(value, strict)).toBe(expected);
    expect(parseWireAmount(value, lenient)).toBe(expected);
  });

  it.each<unknown>([
    '1.5',
    '-1',
    '+1',
    '1e3',
    '1E3',
    ' 150000',
    '150000 ',
    '150 000',
    '150,000',
    '007',
    '00',
    '',
    '.0',
    '1.',
    '0x10',
    'Infinity',
    'NaN',
    '1000000000000000000',
    '12345678901234567890',
    '١٢٣',
    '１２３',
    1.5,
    -1,
    1e30,
    Number.MAX_SAFE_INTEGER + 1,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    null,
    undefined,
    true,
    false,
    {},
    [],
    ['1'],
  ])('refuses %j in both modes', (value) => {
    expect(parseWireAmount(value, strict)).toBeUndefined();
    expect(parseWireAmount(value, lenient)).toBeUndefined();
  });

  it.each<[string, string]>([
    ['150000.00', '150000'],
    ['150000.0', '150000'],
    ['0.000', '0'],
  ])('a zero fraction %j: refused when strict, its whole amount %s when accepted', (value, whole) => {
    expect(parseWireAmount(value, strict)).toBeUndefined();
    expect(parseWireAmount(value, lenient)).toBe(whole);
  });

  it.each(['150000.50', '1.5', '0.1', '007.00', '-1.00', '150000.', '1234567890123456789.00'])(
    'never accepts %j, even with zero fractions allowed',
    (value) => {
      expect(parseWireAmount(value, lenient)).toBeUndefined();
    },
  );

  it('refuses a bigint (TarsPay sends JSON, which has none)', () => {
    expect(parseWireAmount(1n, lenient)).toBeUndefined();
  });

  it('every result is canonical whole-rupiah text that fits a bigint column', () => {
    const anything = fc.oneof(fc.string(), fc.stringMatching(/^-?\d{0,20}(\.\d{0,3})?$/), fc.double(), fc.integer(), fc.maxSafeInteger(), fc.jsonValue());
    fc.assert(
      fc.property(anything, fc.constantFrom(strict, lenient), (value, rules) => {
        const amount = parseWireAmount(value, rules);
        if (amount === undefined) return true;
        return /^(0|[1-9]\d{0,17})$/.test(amount) && BigInt(amount) <= 2n ** 63n - 1n;
      }),
      { numRuns: 2000 },
    );
  });

  it('reads back every whole amount it could be sent, as text or as a safe number', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 18n - 1n }), (whole) => {
        const text = whole.toString();
        expect(parseWireAmount(text, strict)).toBe(text);
        expect(parseWireAmount(`${text}.00`, lenient)).toBe(text);
        if (whole <= BigInt(Number.MAX_SAFE_INTEGER)) expect(parseWireAmount(Number(whole), strict)).toBe(text);
      }),
    );
  });

  it('never reads a non-zero fraction or a negative number as an amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 9 }), fc.integer({ min: 1, max: 99 }), fc.constantFrom(strict, lenient), (whole, cents, rules) => {
        expect(parseWireAmount(`${whole}.${String(cents).padStart(2, '0')}`, rules)).toBeUndefined();
        expect(parseWireAmount(whole + cents / 100, rules)).toBeUndefined();
        expect(parseWireAmount(-(whole + 1), rules)).toBeUndefined();
        expect(parseWireAmount(`-${whole}`, rules)).toBeUndefined();
      }),
    );
  });
});

describe('readReportedAmount (callbacks, inquiries and balances alike)', () => {
  it('reads whole rupiah, with or without a zero fraction, and nothing else', () => {
    expect(readReportedAmount('150000')).toBe('150000');
    expect(readReportedAmount('150000.00')).toBe('150000');
    expect(readReportedAmount(150000)).toBe('150000');
    for (const value of ['150000.50', '1050.5', '-1', '', null, 1.5]) expect(readReportedAmount(value)).toBeUndefined();
  });
});

describe('readFee', () => {
  it('keeps the exact decimal text TarsPay sent', () => {
    expect(readFee('1050.50')).toBe('1050.50');
    expect(readFee('0.12345678')).toBe('0.12345678');
    expect(readFee('4500')).toBe('4500');
    expect(readFee(4500)).toBe('4500');
  });

  it('leaves out what is not a non-negative decimal', () => {
    for (const value of ['-1', '1e3', '01', '1.', '.5', '1.123456789', ' 1', '1,5', 10.5, -1, null, undefined, {}, '']) expect(readFee(value)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import * as rules from '../../src/schema/input-rules.js';

/** The zod rules refuse unstorable text and control characters on their own, whatever calls them. */

const VALID: Record<string, [rules: { safeParse(value: unknown): { success: boolean } }, value: string, kind: 'single' | 'free']> = {
  amountRule: [rules.amountRule, '150000', 'single'],
  merchantOrderNoRule: [rules.merchantOrderNoRule, 'ORD-1001', 'single'],
  collectionMethodRule: [rules.collectionMethodRule, 'BANK_BCA', 'single'],
  payoutBankRule: [rules.payoutBankRule, 'BANK_BCA', 'single'],
  urlRule: [rules.urlRule, 'https://shop.example.co.id/back', 'single'],
  indonesianPhoneRule: [rules.indonesianPhoneRule, '081234567890', 'single'],
  emailRule: [rules.emailRule, 'budi@example.co.id', 'single'],
  nameRule: [rules.nameRule, 'Budi Santoso', 'single'],
  accountNumberRule: [rules.accountNumberRule, '1234567890', 'single'],
  subjectRule: [rules.subjectRule, 'Order 1001', 'single'],
  descriptionRule: [rules.descriptionRule, 'Two items', 'free'],
  addressRule: [rules.addressRule, 'Jl. Sudirman 1', 'free'],
};

const insert = (value: string, character: string) => `${value.slice(0, 3)}${character}${value.slice(3)}`;

describe.each(Object.entries(VALID))('%s', (_name, [rule, valid, kind]) => {
  it('accepts its example', () => {
    expect(rule.safeParse(valid).success).toBe(true);
  });

  it.each([
    ['NUL', '\u0000'],
    ['a lone high surrogate', '\ud800'],
    ['a lone low surrogate', '\udfff'],
    ['ESC', '\u001b'],
    ['CR', '\r'],
    ['DEL', '\u007f'],
    ['a C1 control', '\u0090'],
  ])('refuses %s', (_what, character) => {
    expect(rule.safeParse(insert(valid, character)).success).toBe(false);
    expect(rule.safeParse(`${valid}${character}`).success).toBe(false);
  });

  it.each([
    ['LF', '\n'],
    ['TAB', '\t'],
  ])(kind === 'free' ? 'keeps %s' : 'refuses %s', (_what, character) => {
    expect(rule.safeParse(insert(valid, character)).success).toBe(kind === 'free');
  });
});

describe('text rules', () => {
  it('a single line may hold any printable Unicode, emoji included', () => {
    expect(rules.isSingleLineText('Budi Santoso — Toko “Maju” 🙏 é')).toBe(true);
    expect(rules.isFreeText('Dua barang:\n\t- kemeja batik 👕')).toBe(true);
  });
});

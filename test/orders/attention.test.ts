import { describe, expect, it } from 'vitest';
import { adoptionMismatch, attentionCode, inquiryFacts, keepsAttention } from '../../src/orders/attention.js';
import type { InquiryAnswer } from '../../src/tarspay/types.js';

const ORDER = { kind: 'COLLECTION', amount: '150000', method: 'QRIS', currency: 'IDR' } as const;

function answer(raw: Record<string, unknown>, fields: Partial<InquiryAnswer> = {}): InquiryAnswer {
  return { payOrderId: 'P1', mchOrderNo: 'C1', status: 'CREATED', orderAmount: '150000', currency: 'IDR', raw, ...fields };
}

describe('attention reasons', () => {
  it('reads the code of a stored reason', () => {
    expect(attentionCode('PAST_EXPIRY: the collection is past its expiry')).toBe('PAST_EXPIRY');
    expect(attentionCode('SOMETHING: else')).toBeUndefined();
    expect(attentionCode(null)).toBeUndefined();
  });

  it('a flag clears when TarsPay settles the order; an unresolved create clears as soon as TarsPay reports it; an adoption mismatch never clears by itself', () => {
    expect(keepsAttention('PAYOUT_STUCK: …', 'QUEUED')).toBe(true);
    expect(keepsAttention('PAYOUT_STUCK: …', 'SUCCEEDED')).toBe(false);
    expect(keepsAttention('PAST_EXPIRY: …', 'EXPIRED')).toBe(false);
    expect(keepsAttention('CALLBACK_NOT_APPLIED: …', 'CREATED')).toBe(true);
    expect(keepsAttention('UNRESOLVED_CREATE: …', 'CREATED')).toBe(false);
    expect(keepsAttention('UNRESOLVED_CREATE: …', 'UNKNOWN')).toBe(true);
    expect(keepsAttention(null, 'PROCESSING')).toBe(false); // flagged before reasons existed: an unresolved create
    expect(keepsAttention('ADOPTION_MISMATCH: …', 'SUCCEEDED')).toBe(true);
  });
});

describe('adoptionMismatch', () => {
  it('agrees when amount, kind, method and currency are the same, as far as TarsPay says them', () => {
    expect(adoptionMismatch(ORDER, inquiryFacts(answer({})))).toBeUndefined();
    expect(adoptionMismatch(ORDER, inquiryFacts(answer({ bizType: 1, wayCode: 'QRIS' })))).toBeUndefined();
  });

  it('names every difference, and an answer without an amount proves nothing', () => {
    expect(adoptionMismatch(ORDER, inquiryFacts(answer({ bizType: 2, wayCode: 'BANK_BCA' }, { orderAmount: '99000' })))).toBe(
      'amount 150000 here, 99000 at TarsPay; kind COLLECTION here, PAYOUT at TarsPay; method QRIS here, BANK_BCA at TarsPay',
    );
    expect(adoptionMismatch({ ...ORDER, kind: 'PAYOUT', method: 'BANK_BNI' }, { orderAmount: '150000', method: 'BANK_BCA' })).toBe(
      'bank BANK_BNI here, BANK_BCA at TarsPay',
    );
    expect(adoptionMismatch(ORDER, inquiryFacts(answer({}, { orderAmount: undefined })))).toBe('TarsPay does not say its amount');
    expect(adoptionMismatch(ORDER, inquiryFacts(answer({ bizType: 7 })))).toMatch(/kind COLLECTION here, bizType 7 at TarsPay/);
  });
});

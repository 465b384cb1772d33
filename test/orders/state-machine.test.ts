import { describe, expect, it } from 'vitest';
import { ORDER_STATUSES } from '../../src/orders/order-status.js';
import { FINAL_STATUSES, isLatePayment, judgeTransition } from '../../src/orders/state-machine.js';

const PAID = ['SUCCEEDED', 'PARTIALLY_PAID'] as const;

describe('order state machine', () => {
  it('moves a final order only to a payment TarsPay reports, and only FAILED, EXPIRED or CANCELLED ones', () => {
    for (const from of FINAL_STATUSES) {
      const allowed = ORDER_STATUSES.filter((to) => judgeTransition(from, to) === 'apply');
      expect(allowed).toEqual(['REFUNDED', 'REJECTED'].includes(from) ? [] : [...PAID]);
    }
  });

  it('calls exactly those moves late payments', () => {
    for (const from of ORDER_STATUSES) {
      for (const to of ORDER_STATUSES) {
        const late = judgeTransition(from, to) === 'apply' && isLatePayment(from, to);
        expect(late).toBe(['FAILED', 'EXPIRED', 'CANCELLED'].includes(from) && (PAID as readonly string[]).includes(to));
      }
    }
  });

  it('lets a succeeded order move only to REFUNDED, and a refunded one nowhere', () => {
    expect(ORDER_STATUSES.filter((to) => judgeTransition('SUCCEEDED', to) === 'apply')).toEqual(['REFUNDED']);
    expect(ORDER_STATUSES.filter((to) => judgeTransition('REFUNDED', to) === 'apply')).toEqual([]);
  });

  it('never moves back to SUBMITTING, and only a submitting order becomes UNKNOWN', () => {
    for (const from of ORDER_STATUSES) {
      if (from !== 'SUBMITTING') expect(judgeTransition(from, 'SUBMITTING')).not.toBe('apply');
      if (from !== 'SUBMITTING' && from !== 'UNKNOWN') expect(judgeTransition(from, 'UNKNOWN')).toBe('ignore');
    }
  });

  it('ignores backward moves and reports repeats as duplicates', () => {
    expect(judgeTransition('PROCESSING', 'CREATED')).toBe('ignore');
    expect(judgeTransition('SUCCEEDED', 'PROCESSING')).toBe('ignore');
    expect(judgeTransition('EXPIRED', 'CREATED')).toBe('ignore');
    expect(judgeTransition('FAILED', 'PROCESSING')).toBe('ignore');
    expect(judgeTransition('SUCCEEDED', 'SUCCEEDED')).toBe('duplicate');
    expect(judgeTransition('CREATED', 'SUCCEEDED')).toBe('apply');
    expect(judgeTransition('UNKNOWN', 'CREATED')).toBe('apply');
    expect(judgeTransition('EXPIRED', 'SUCCEEDED')).toBe('apply');
  });
});

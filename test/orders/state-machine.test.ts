import { describe, expect, it } from 'vitest';
import { ORDER_STATUSES } from '../../src/tarspay/codes.js';
import { FINAL_STATUSES, TRANSITIONS, judgeTransition } from '../../src/orders/state-machine.js';

describe('order state machine', () => {
  it('has a row for every status', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...ORDER_STATUSES].sort());
  });

  it('never moves a final order', () => {
    for (const from of FINAL_STATUSES) {
      for (const to of ORDER_STATUSES) expect(judgeTransition(from, to)).not.toBe('apply');
    }
  });

  it('lets a succeeded order move only to REFUNDED', () => {
    const allowed = ORDER_STATUSES.filter((to) => judgeTransition('SUCCEEDED', to) === 'apply');
    expect(allowed).toEqual(['REFUNDED']);
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
    expect(judgeTransition('EXPIRED', 'SUCCEEDED')).toBe('ignore');
    expect(judgeTransition('SUCCEEDED', 'SUCCEEDED')).toBe('duplicate');
    expect(judgeTransition('CREATED', 'SUCCEEDED')).toBe('apply');
    expect(judgeTransition('UNKNOWN', 'CREATED')).toBe('apply');
  });
});

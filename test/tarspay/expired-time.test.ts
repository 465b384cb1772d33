import { describe, expect, it } from 'vitest';
import { parseExpiredTime } from '../../src/tarspay/expired-time.js';

const NOW = Date.parse('2026-12-07T12:00:00Z');
const IN_30_MIN = '2026-12-07T12:30:00.000Z';

describe('parseExpiredTime', () => {
  it('reads Unix seconds (UTC), as TarsPay writes every time it documents, as a number or as digits', () => {
    const seconds = Date.parse(IN_30_MIN) / 1000;
    expect(parseExpiredTime(seconds, NOW)).toEqual({ kind: 'at', at: new Date(IN_30_MIN) });
    expect(parseExpiredTime(String(seconds), NOW)).toEqual({ kind: 'at', at: new Date(IN_30_MIN) });
  });

  it('reads milliseconds and ISO-8601 text with a zone: the same instant', () => {
    expect(parseExpiredTime(Date.parse(IN_30_MIN), NOW)).toEqual({ kind: 'at', at: new Date(IN_30_MIN) });
    expect(parseExpiredTime('2026-12-07T19:30:00+07:00', NOW)).toEqual({ kind: 'at', at: new Date(IN_30_MIN) });
    expect(parseExpiredTime('2026-12-07T12:30:00Z', NOW)).toEqual({ kind: 'at', at: new Date(IN_30_MIN) });
  });

  it('absent: nothing, null or an empty string', () => {
    for (const value of [undefined, null, '']) expect(parseExpiredTime(value, NOW)).toEqual({ kind: 'absent' });
  });

  it('does not guess: text without a zone, other text, a duration-sized or implausible number are unreadable', () => {
    for (const value of ['2026-12-07 19:30:00', '2026-12-07T19:30:00', 'tomorrow', 1800, -5, 1.5, 1e12 - 1, { at: 1 }, true]) {
      expect(parseExpiredTime(value, NOW)).toEqual({ kind: 'unreadable', value });
    }
    // A year away is not a collection's closing time.
    expect(parseExpiredTime(NOW / 1000 + 365 * 86400, NOW).kind).toBe('unreadable');
  });
});

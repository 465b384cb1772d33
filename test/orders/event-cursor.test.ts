import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeEventCursor, readCursor } from '../../src/orders/event-stream.js';
import { CursorError } from '../../src/orders/order-errors.js';

/**
 * A cursor is opaque: any text a client sends is either a cursor this API gave (read back as it was
 * written) or refused with INVALID_CURSOR (CURSOR_EXPIRED when it is ours but too old). Nothing else
 * may come out, least of all a seq the database cannot hold.
 */
const NOW = Date.UTC(2026, 11, 7, 12);
const RETENTION_DAYS = 90;
const MAX_BIGINT = 9_223_372_036_854_775_807n;
const DAY = 86_400_000;

const base64url = (text: string) => Buffer.from(text).toString('base64url');

/** What readCursor does with `text`: the cursor, or the code of its CursorError (anything else is thrown on). */
function outcome(text: string): { seq: bigint; createdAt: Date } | 'INVALID_CURSOR' | 'CURSOR_EXPIRED' {
  try {
    return readCursor(text, RETENTION_DAYS, NOW);
  } catch (error) {
    if (error instanceof CursorError) return error.code;
    throw error;
  }
}

/** Accepted only as the exact text encodeEventCursor writes for it, with a seq a bigint column holds. */
function expectOursOrRefused(text: string): void {
  const result = outcome(text);
  if (typeof result === 'string') return;
  expect(result.seq >= 0n && result.seq <= MAX_BIGINT).toBe(true);
  expect(encodeEventCursor(result)).toBe(text);
}

const seqs = fc.oneof(fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }), fc.bigInt({ min: MAX_BIGINT - 3n, max: MAX_BIGINT + 3n }), fc.constantFrom(0n, -1n));
const times = fc.oneof(
  fc.integer({ min: NOW - 200 * DAY, max: NOW + 2 * DAY }),
  fc.constantFrom(0, -1, Date.UTC(2019, 11, 31), 8_640_000_000_000_000, 999_999_999_999_999, 1e16),
);
/** Text close to a cursor: the right prefix and numbers, with things around, between or instead. */
const nearCursors = fc
  .tuple(
    fc.constantFrom('ev1:', 'ev2:', 'EV1:', '', 'ev1'),
    seqs,
    fc.constantFrom(':', '::', ';', ''),
    times,
    fc.constantFrom('', ':1', ' ', '\n', ':x', '\u0000'),
  )
  .map(([prefix, seq, separator, time, extra]) => base64url(`${prefix}${seq}${separator}${time}${extra}`));

/** Any code point, lone surrogates included (fast-check's own 'binary' unit takes seconds to set up). */
const anyCodePoint = fc.nat(0x10ffff).map((point) => String.fromCodePoint(point));

describe('event cursors', () => {
  it('reads back every cursor it writes within the retention period', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_BIGINT }), fc.integer({ min: NOW - RETENTION_DAYS * DAY + 1, max: NOW + DAY }), (seq, time) => {
        const cursor = { seq, createdAt: new Date(time) };
        expect(readCursor(encodeEventCursor(cursor), RETENTION_DAYS, NOW)).toEqual(cursor);
      }),
    );
  });

  it('answers any text with a cursor it gave or INVALID_CURSOR / CURSOR_EXPIRED, never another error', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary-ascii', maxLength: 80 }), expectOursOrRefused), { numRuns: 1000 });
    fc.assert(fc.property(fc.string({ unit: anyCodePoint, maxLength: 24 }), expectOursOrRefused), { numRuns: 300 });
    fc.assert(fc.property(fc.base64String({ maxLength: 80 }), expectOursOrRefused), { numRuns: 1000 });
  });

  it('the same for text close to a cursor: other prefixes, numbers out of range, separators, extra fields', () => {
    fc.assert(fc.property(nearCursors, expectOursOrRefused), { numRuns: 1500 });
  });

  it('the same for one of ours with a character changed or added', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_BIGINT }), fc.nat(60), fc.string({ minLength: 1, maxLength: 1 }), (seq, at, character) => {
        const text = encodeEventCursor({ seq, createdAt: new Date(NOW) });
        expectOursOrRefused(`${text.slice(0, at)}${character}${text.slice(at + 1)}`);
        expectOursOrRefused(`${text.slice(0, at)}${character}${text.slice(at)}`);
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    ['seq one past the bigint range', base64url(`ev1:${MAX_BIGINT + 1n}:${NOW}`)],
    ['seq of 19 nines', base64url(`ev1:9999999999999999999:${NOW}`)],
    ['negative seq', base64url(`ev1:-1:${NOW}`)],
    ['seq with leading zeros', base64url(`ev1:007:${NOW}`)],
    ['another prefix', base64url(`ev2:1:${NOW}`)],
    ['an extra field', base64url(`ev1:1:${NOW}:1`)],
    ['a time in the future', base64url(`ev1:1:${NOW + 2 * DAY}`)],
    ['a time before any event', base64url(`ev1:1:0`)],
    ['the largest time a Date holds', base64url(`ev1:1:8640000000000000`)],
    ['base64 padding', `${encodeEventCursor({ seq: 1n, createdAt: new Date(NOW) })}=`],
    ['a stray character base64 decoding would skip', `${encodeEventCursor({ seq: 1n, createdAt: new Date(NOW) })}!`],
    ['not base64 at all', 'not-a-cursor'],
    ['the empty string', ''],
    ['a very long text', 'A'.repeat(100_000)],
  ])('refuses %s with INVALID_CURSOR', (_what, text) => {
    expect(outcome(text)).toBe('INVALID_CURSOR');
  });

  it('refuses a cursor older than the retention period with CURSOR_EXPIRED', () => {
    expect(outcome(encodeEventCursor({ seq: 1n, createdAt: new Date(NOW - (RETENTION_DAYS + 1) * DAY) }))).toBe('CURSOR_EXPIRED');
  });

  it("says what is wrong in the domain's words: the cursor it was given, and no GraphQL argument or query", () => {
    const old = encodeEventCursor({ seq: 1n, createdAt: new Date(NOW - (RETENTION_DAYS + 1) * DAY) });
    for (const text of ['not-a-cursor', old]) {
      const error = (() => {
        try {
          readCursor(text, RETENTION_DAYS, NOW);
        } catch (thrown) {
          return thrown as CursorError;
        }
      })();
      expect(error).toBeInstanceOf(CursorError);
      expect(error!.cursor).toBe(text);
      expect(error!.message).not.toMatch(/^after|query|OrderEvent/);
    }
  });

  it('takes seq 0 (latestEventCursor before any event) and the largest bigint', () => {
    expect(outcome(encodeEventCursor({ seq: 0n, createdAt: new Date(NOW) }))).toEqual({ seq: 0n, createdAt: new Date(NOW) });
    expect(outcome(encodeEventCursor({ seq: MAX_BIGINT, createdAt: new Date(NOW) }))).toEqual({ seq: MAX_BIGINT, createdAt: new Date(NOW) });
  });
});

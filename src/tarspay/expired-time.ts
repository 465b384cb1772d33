import { isAbsentOnWire } from './message.js';

/**
 * A create-collection answer's `expiredTime`: when TarsPay closes the unpaid order. TarsPay's
 * document does not show the field; every time it does show is Unix seconds in UTC ("0 time zone
 * timestamp, accurate to seconds"), so that is the reading, as a number or as digits. Milliseconds
 * (13 digits) are unmistakable and read too, as is ISO-8601 text with a zone (`Z`, `+07:00`).
 * Text without a zone is not read: it could be UTC or Jakarta time, 7 hours apart.
 */

const SECONDS_BELOW = 1e11;
const MILLISECONDS_FROM = 1e12;
const MILLISECONDS_BELOW = 1e14;
/** A closing time further than this from now is not believed (a misread unit or a broken value). */
const PLAUSIBLE_WITHIN_MS = 30 * 24 * 3600_000;
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** `absent`: no value (guess the expiry); `unreadable`: a value this reading does not understand (guess too, and say so). */
export type ExpiredTime = { kind: 'at'; at: Date } | { kind: 'absent' } | { kind: 'unreadable'; value: unknown };

export function parseExpiredTime(value: unknown, now = Date.now()): ExpiredTime {
  if (isAbsentOnWire(value)) return { kind: 'absent' };
  const ms = instantOf(value);
  if (ms === undefined || Math.abs(ms - now) > PLAUSIBLE_WITHIN_MS) return { kind: 'unreadable', value };
  return { kind: 'at', at: new Date(ms) };
}

function instantOf(value: unknown): number | undefined {
  if (typeof value === 'string' && ISO_WITH_ZONE.test(value)) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : undefined;
  if (number === undefined || !Number.isSafeInteger(number) || number <= 0) return undefined;
  if (number < SECONDS_BELOW) return number * 1000;
  if (number >= MILLISECONDS_FROM && number < MILLISECONDS_BELOW) return number;
  return undefined;
}

import { createHash } from 'node:crypto';
import { compactSortedJson } from '../tarspay/message.js';

/**
 * A stable hash of what a create request asked for. The same merchantOrderNo with the same
 * fingerprint is a retry; with another fingerprint it is an idempotency conflict.
 */
export function requestFingerprint(request: Record<string, unknown>): string {
  return createHash('sha256')
    .update(compactSortedJson(dropEmpty(request)))
    .digest('hex');
}

function dropEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropEmpty);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined && item !== null && item !== '')
      .map(([key, item]) => [key, dropEmpty(item)]);
    return Object.fromEntries(entries);
  }
  return value;
}

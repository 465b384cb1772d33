import type { TarsPayState } from '../tarspay/codes.js';

/**
 * An order's status: TarsPay's states, plus two of the gateway's own. SUBMITTING: stored, TarsPay's
 * create not yet answered. UNKNOWN: TarsPay's answer to the create was lost or proved nothing;
 * reconciliation settles it from TarsPay's records.
 */
export const ORDER_STATUSES = [
  'SUBMITTING',
  'CREATED',
  'PROCESSING',
  'SUCCEEDED',
  'FAILED',
  'PARTIALLY_PAID',
  'CANCELLED',
  'REFUNDED',
  'EXPIRED',
  'QUEUED',
  'REJECTED',
  'UNKNOWN',
] as const satisfies ReadonlyArray<TarsPayState | 'SUBMITTING' | 'UNKNOWN'>;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

import type { EntityManager } from '@mikro-orm/postgresql';
import { UserFacingError } from '../errors.js';
import { statusFromState } from '../tarspay/codes.js';
import type { Order } from './order.entity.js';
import type { OrderService } from './order.service.js';

export const SANDBOX_OUTCOMES = ['SUCCEEDED', 'FAILED', 'PARTIALLY_PAID', 'EXPIRED', 'REJECTED'] as const;
export type SandboxOutcome = (typeof SANDBOX_OUTCOMES)[number];

interface SettledView {
  state: number;
  payAmount?: string;
  fee?: string;
  failReason?: string | null;
}

/**
 * Asks the sandbox to settle the order (it then sends TarsPay's signed callback to notifyUrl) and
 * applies the sandbox's answer at once, so the caller sees the new status; the callback that
 * follows is then a duplicate and changes nothing.
 */
export async function settleInSandbox(
  em: EntityManager,
  orders: OrderService,
  sandboxUrl: string | null,
  order: Order,
  outcome: SandboxOutcome,
  paidAmount?: string | null,
): Promise<Order> {
  if (!sandboxUrl) {
    throw new UserFacingError({ code: 'SANDBOX_ONLY', message: 'sandboxOrderSettle works only when the TarsPay sandbox is the upstream (TARSPAY_BASE_URL unset)' }, order);
  }
  if (!order.platformOrderId) {
    throw new UserFacingError({ code: 'INVALID_STATE', field: ['id'], message: `The order is ${order.status} and has no TarsPay order yet; nothing to settle` }, order);
  }
  const response = await fetch(`${sandboxUrl}/sandbox/orders/${encodeURIComponent(order.platformOrderId)}/settle`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ outcome, ...(paidAmount ? { paidAmount } : {}) }),
    signal: AbortSignal.timeout(10_000),
  });
  const answer = (await response.json().catch(() => ({}))) as SettledView & { error?: string; message?: string };
  if (!response.ok) {
    const message = answer.message ?? answer.error ?? `sandbox answered HTTP ${response.status}`;
    const code = response.status === 409 ? 'INVALID_STATE' : response.status === 404 ? 'NOT_FOUND' : 'VALIDATION';
    throw new UserFacingError({ code, field: code === 'VALIDATION' ? ['outcome'] : undefined, message }, order);
  }
  const status = statusFromState(answer.state);
  if (!status) throw new Error(`sandbox answered an unknown state ${String(answer.state)}`);
  const change = await orders.applyUpdate(em, order.id, {
    status,
    source: 'SANDBOX',
    payload: answer as unknown as Record<string, unknown>,
    paidAmount: answer.payAmount,
    fee: answer.fee,
    failureReason: answer.failReason ?? undefined,
    note: `settled in the sandbox: ${outcome}`,
  });
  return change.order;
}

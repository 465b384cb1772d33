import type { EntityManager } from '@mikro-orm/postgresql';
import type { LivePubSub } from '../live/pubsub.js';
import type { Merchant } from '../merchants/merchant.entity.js';
import { Order } from '../orders/order.entity.js';
import type { Outcome as SandboxOutcome } from '../sandbox/settlement.js';
import { OrderError } from '../orders/order-errors.js';
import type { OrderView } from '../orders/order-row.js';
import type { OrderService } from '../orders/order.service.js';

export { OUTCOMES as SANDBOX_OUTCOMES, type Outcome as SandboxOutcome } from '../sandbox/settlement.js';

interface SettledView {
  state: number;
  /** Whether the sandbox sends a callback for this outcome (TarsPay sends them for states 2, 3 and 9 only). */
  callbackSent?: boolean;
}

/** How long to wait for the sandbox's callback before asking it by inquiry. */
const CALLBACK_WAIT_MS = 3000;

/**
 * Asks the sandbox to settle the order. For a paid or failed order the sandbox then sends TarsPay's
 * signed callback to notifyUrl, which moves the order as in production (source CALLBACK). EXPIRED
 * and REJECTED come with no callback, as at TarsPay, and so does a callback that cannot reach this
 * gateway in time (e.g. PUBLIC_URL points elsewhere): then the gateway asks by inquiry, TarsPay's
 * signed word again (source RECONCILIATION). The sandbox's own answer never moves the order.
 */
export async function settleInSandbox(
  em: EntityManager,
  services: { orders: OrderService; live: LivePubSub; sandboxUrl: string | null },
  order: OrderView,
  merchant: Merchant,
  outcome: SandboxOutcome,
  paidAmount?: string | null,
): Promise<OrderView> {
  const { orders, sandboxUrl } = services;
  if (!sandboxUrl) {
    throw new OrderError('SANDBOX_ONLY', 'Settling works only when the TarsPay sandbox is the upstream (TARSPAY_BASE_URL unset, or TARSPAY_SANDBOX=true)', {
      order,
    });
  }
  if (!order.platformOrderId) {
    throw new OrderError('INVALID_STATE', `The order is ${order.status} and has no TarsPay order yet; nothing to settle`, { field: 'id', order });
  }
  const changes = services.live.orderChanges(order.id);
  const callbackApplied = waitForChange(changes, CALLBACK_WAIT_MS);
  const response = await fetch(`${sandboxUrl}/sandbox/orders/${encodeURIComponent(order.platformOrderId)}/settle`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ outcome, ...(paidAmount ? { paidAmount } : {}) }),
    signal: AbortSignal.timeout(10_000),
  });
  const answer = (await response.json().catch(() => ({}))) as SettledView & { error?: string; message?: string };
  if (!response.ok) {
    await changes.return?.();
    const message = answer.message ?? answer.error ?? `sandbox answered HTTP ${response.status}`;
    const code = response.status === 409 ? 'INVALID_STATE' : response.status === 404 ? 'NOT_FOUND' : 'INVALID_INPUT';
    throw new OrderError(code, message, { field: code === 'INVALID_INPUT' ? 'outcome' : undefined, order });
  }
  const callbackSent = answer.callbackSent === true;
  if (!callbackSent) await changes.return?.();
  if (callbackSent && (await callbackApplied)) return em.fork().findOneOrFail(Order, { id: order.id });
  return orders.refresh(merchant, order);
}

async function waitForChange(changes: AsyncIterator<unknown> & { return?: () => unknown }, timeoutMs: number): Promise<boolean> {
  const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
  try {
    return await Promise.race([changes.next().then((next) => !next.done), timeout]);
  } finally {
    await changes.return?.();
  }
}

import type { SandboxContext } from './context.js';
import { CALLBACK_STATES, SettlementError, settleOrder, type Settlement } from './settlement.js';
import type { SandboxOrder } from './store.js';

/** Settling an order (control endpoint, cashier page, expiry) and telling the merchant when TarsPay would. */

export interface SettledOrder {
  order: SandboxOrder;
  /** False for states TarsPay sends no callback for (6 expired, 8 rejected), and with `notify: false`: the merchant learns them by inquiry. */
  callbackSent: boolean;
}

export function settleAndNotify(ctx: SandboxContext, payOrderId: string, settlement: Settlement): SettledOrder {
  const order = ctx.store.order(payOrderId);
  if (!order) throw new SettlementError(404, `no order ${payOrderId} in this sandbox (orders live in memory and are lost on restart)`);
  const merchant = ctx.store.merchant(order.mchNo);
  if (!merchant) throw new SettlementError(404, `merchant ${order.mchNo} of order ${payOrderId} is gone`);
  settleOrder(order, merchant, settlement, ctx.options, ctx.now());
  ctx.ledger.stateChanged(order, ctx.now());
  ctx.store.pendingCollections.delete(order);
  const callbackSent = CALLBACK_STATES.has(order.state) && settlement.notify !== false;
  ctx.log('info', 'order settled', { payOrderId, outcome: settlement.outcome, state: order.state, callbackSent });
  if (callbackSent) ctx.callbacks.send(order);
  return { order, callbackSent };
}

/** Unpaid collections turn EXPIRED (state 6, no callback) once past expiresAt. Returns the stop function. */
export function startExpirySweep(ctx: SandboxContext): () => void {
  if (ctx.options.orderExpiryMs === 0) return () => {};
  const everyMs = Math.min(1_000, Math.max(5, Math.floor(ctx.options.orderExpiryMs / 4)));
  const timer = setInterval(() => {
    const now = ctx.now();
    for (const order of [...ctx.store.pendingCollections]) {
      if (order.expiresAt !== undefined && order.expiresAt <= now) {
        try {
          settleAndNotify(ctx, order.payOrderId, { outcome: 'EXPIRED' });
        } catch (error) {
          ctx.store.pendingCollections.delete(order);
          ctx.log('error', 'order expiry failed', { payOrderId: order.payOrderId, error: (error as Error).message });
        }
      }
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

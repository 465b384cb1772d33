import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { LockMode } from '@mikro-orm/postgresql';
import type { Logger } from '../logger.js';
import { Merchant } from '../merchants/merchant.entity.js';
import { Order } from '../orders/order.entity.js';
import type { OrderService } from '../orders/order.service.js';
import { applyToLockedOrder, type OrderChange, type OrderUpdate } from '../orders/order-updates.js';
import { statusFromState } from '../tarspay/codes.js';
import { compactSortedJson } from '../tarspay/message.js';
import { verifySignature } from '../tarspay/signer.js';
import { CallbackReceipt, type CallbackOutcome } from './callback-receipt.entity.js';

export interface CallbackAnswer {
  httpStatus: number;
  body: string;
  outcome: CallbackOutcome | 'MALFORMED' | 'ERROR';
}

interface CallbackBody {
  mchNo: string;
  payOrderId?: string;
  mchOrderNo?: string;
  state?: unknown;
  orderAmount?: unknown;
  payAmount?: unknown;
  fee?: unknown;
  failReason?: unknown;
  [field: string]: unknown;
}

const OK: CallbackAnswer = { httpStatus: 200, body: 'OK', outcome: 'APPLIED' };

/**
 * TarsPay's callbacks: verified over the raw bytes with the merchant's platform key (fallback:
 * compact sorted JSON), stored and applied in one transaction, answered `OK` only after commit,
 * announced to subscribers after commit. Forged callbacks change nothing and store nothing.
 */
export class CallbackService {
  constructor(private readonly deps: { orm: MikroORM; orders: OrderService; logger: Logger; onOutcome?: (outcome: CallbackAnswer['outcome']) => void }) {}

  async receive(rawBody: Buffer, signature: string | undefined): Promise<CallbackAnswer> {
    const answer = await this.#receive(rawBody, signature);
    this.deps.onOutcome?.(answer.outcome);
    return answer;
  }

  async #receive(rawBody: Buffer, signature: string | undefined): Promise<CallbackAnswer> {
    const { logger } = this.deps;
    const text = rawBody.toString('utf8');
    const body = parseBody(text);
    if (!body) {
      logger.warn({ bytes: rawBody.length }, 'security: callback refused, body is not a TarsPay callback (JSON with mchNo)');
      return { httpStatus: 400, body: 'bad request: expected a JSON TarsPay callback', outcome: 'MALFORMED' };
    }
    const em = this.deps.orm.em.fork();
    const merchant = await em.findOne(Merchant, { mchNo: body.mchNo });
    const verified =
      merchant !== null &&
      typeof signature === 'string' &&
      (verifySignature(merchant.platformPublicKey, text, signature) || verifySignature(merchant.platformPublicKey, compactSortedJson(body), signature));
    if (!merchant || !verified) {
      logger.warn(
        { mchNo: body.mchNo, payOrderId: body.payOrderId, knownMerchant: merchant !== null, signaturePresent: Boolean(signature) },
        'security: callback refused, X-RESP-SIGNATURE does not verify with the merchant platform key',
      );
      return { httpStatus: 401, body: 'invalid signature', outcome: 'BAD_SIGNATURE' };
    }
    try {
      const { outcome, change, update } = await this.#store(em, merchant, body, text, signature!);
      if (change && update) this.deps.orders.announce(change, update);
      this.#log(outcome, body, change);
      return { ...OK, outcome };
    } catch (error) {
      logger.error({ err: error, mchNo: body.mchNo, payOrderId: body.payOrderId }, 'callback could not be stored: TarsPay will resend');
      return { httpStatus: 500, body: 'temporarily unavailable', outcome: 'ERROR' };
    }
  }

  async #store(em: EntityManager, merchant: Merchant, body: CallbackBody, rawBody: string, signature: string) {
    return em.transactional(async (tx) => {
      const order = await findCallbackOrder(tx, merchant.id, body);
      const status = statusFromState(body.state);
      let outcome: CallbackOutcome = 'UNKNOWN_ORDER';
      let change: OrderChange | undefined;
      let update: OrderUpdate | undefined;
      if (order && !status) {
        outcome = 'IGNORED';
      } else if (order && status) {
        update = {
          status,
          source: 'CALLBACK',
          payload: body,
          platformOrderId: text(body.payOrderId),
          paidAmount: amount(body.payAmount),
          fee: amount(body.fee),
          failureReason: text(body.failReason),
          note: amountNote(order, body),
        };
        // findCallbackOrder read the order with its row lock in this transaction.
        change = await applyToLockedOrder(tx, order, update);
        outcome = change.verdict === 'apply' ? 'APPLIED' : change.verdict === 'duplicate' ? 'DUPLICATE' : 'IGNORED';
      }
      // Created once the outcome is known: one INSERT, no UPDATE of a receipt just written.
      tx.create(CallbackReceipt, { mchNo: body.mchNo, merchant, order, rawBody, signature, verified: true, outcome });
      await tx.flush();
      return { outcome, change, update };
    });
  }

  #log(outcome: CallbackOutcome, body: CallbackBody, change: OrderChange | undefined): void {
    const fields = { mchNo: body.mchNo, payOrderId: body.payOrderId, mchOrderNo: body.mchOrderNo, state: body.state, outcome, orderId: change?.order.id };
    if (outcome === 'UNKNOWN_ORDER') this.deps.logger.warn(fields, 'callback for an order this gateway does not know: stored and answered OK');
    else if (change?.order.amountMismatch) this.deps.logger.warn(fields, 'callback applied: paid amount differs from the order amount');
    else this.deps.logger.info(fields, 'callback received');
  }
}

async function findCallbackOrder(tx: EntityManager, merchantId: string, body: CallbackBody): Promise<Order | null> {
  const byTarsPayId = text(body.payOrderId);
  const byMerchantNo = text(body.mchOrderNo);
  if (!byTarsPayId && !byMerchantNo) return null;
  const conditions = [
    ...(byTarsPayId ? [{ platformOrderId: byTarsPayId }] : []),
    ...(byMerchantNo ? [{ merchantOrderNo: byMerchantNo }] : []),
  ];
  return tx.findOne(Order, { merchant: merchantId, $or: conditions }, { lockMode: LockMode.PESSIMISTIC_WRITE });
}

function parseBody(text: string): CallbackBody | null {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && typeof (parsed as CallbackBody).mchNo === 'string') return parsed as CallbackBody;
  } catch {
    // not JSON
  }
  return null;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value !== '' ? value.slice(0, 512) : undefined;
}

function amount(value: unknown): string | undefined {
  const candidate = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  return typeof candidate === 'string' && /^\d{1,18}$/.test(candidate) ? candidate : undefined;
}

function amountNote(order: Order, body: CallbackBody): string | undefined {
  const ordered = amount(body.orderAmount);
  return ordered !== undefined && ordered !== order.amount ? `callback orderAmount ${ordered} differs from the order amount ${order.amount}` : undefined;
}

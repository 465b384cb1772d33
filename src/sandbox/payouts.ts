import { findPayoutBank, PAYOUT_AMOUNT_LIMIT } from '../tarspay/catalogs.js';
import { API_CODES, TarsPayApiError } from './api-error.js';
import type { SandboxContext } from './context.js';
import { inquiryData } from './order-views.js';
import { optionalString, orderIds, parseAmount, requireHttpUrl, requireIdr, requiredStrings, type RequestBody } from './parameters.js';
import { STATE, payoutHold } from './settlement.js';
import type { Merchant, SandboxOrder } from './store.js';

/** /api/payOut/unifiedOrder and /api/payOutInfo: payouts. */

const REQUIRED = [
  'mchOrderNo',
  'wayCode',
  'amount',
  'currency',
  'notifyUrl',
  'customerName',
  'customerContact',
  'customerAccountNumber',
  'customerEmail',
] as const;

/** A new payout is PROCESSING (state 1) and holds amount + fee in the frozen balance until it ends. */
export function createPayout(ctx: SandboxContext, merchant: Merchant, body: RequestBody): Record<string, unknown> {
  const fields = requiredStrings(body, REQUIRED);
  const currency = requireIdr(fields.currency);
  const bank = findPayoutBank(fields.wayCode);
  if (!bank) throw new TarsPayApiError(API_CODES.METHOD_NOT_SUPPORTED, `wayCode ${fields.wayCode} is not a payout bank code`);
  const amount = parseAmount(body.amount, PAYOUT_AMOUNT_LIMIT, 'payout');
  const notifyUrl = requireHttpUrl(fields.notifyUrl, 'notifyUrl');
  ctx.store.countCreateRequest('payout', merchant.mchNo, fields.mchOrderNo);
  if (ctx.store.hasMerchantOrderNo('payout', merchant.mchNo, fields.mchOrderNo)) {
    throw new TarsPayApiError(API_CODES.DUPLICATE_ORDER, `a payout with mchOrderNo ${fields.mchOrderNo} already exists`);
  }
  const fee = ctx.options.payoutFee;
  const hold = payoutHold({ amount, fee });
  if (hold > merchant.available) {
    throw new TarsPayApiError(
      API_CODES.INSUFFICIENT_BALANCE,
      `the payout needs ${hold} IDR (amount ${amount} + fee ${fee}), available is ${merchant.available}`,
    );
  }

  const now = ctx.now();
  const address = optionalString(body, 'address');
  const order: SandboxOrder = {
    kind: 'payout',
    payOrderId: ctx.store.nextPayOrderId(now),
    mchNo: merchant.mchNo,
    mchOrderNo: fields.mchOrderNo,
    wayCode: bank.code,
    amount,
    currency,
    notifyUrl,
    customer: {
      name: fields.customerName,
      email: fields.customerEmail,
      contact: fields.customerContact,
      accountNumber: fields.customerAccountNumber,
    },
    createdAt: now,
    state: STATE.PROCESSING,
    payAmount: 0n,
    fee,
    deliveries: [],
    ...(address !== undefined && { address }),
  };
  merchant.available -= hold;
  merchant.frozen += hold;
  ctx.store.addOrder(order);
  ctx.log('info', 'payout created', { payOrderId: order.payOrderId, mchNo: merchant.mchNo, mchOrderNo: order.mchOrderNo, bank: bank.code });
  return { mchOrderNo: order.mchOrderNo, payOrderId: order.payOrderId };
}

export function payoutInquiry(ctx: SandboxContext, merchant: Merchant, body: RequestBody): Record<string, unknown> {
  const ids = orderIds(body);
  const order = ctx.store.findMerchantOrder('payout', merchant.mchNo, ids);
  if (!order) throw new TarsPayApiError(API_CODES.PAYOUT_NOT_FOUND, `no payout of ${merchant.mchNo} with ${JSON.stringify(ids)}`);
  return inquiryData(order);
}

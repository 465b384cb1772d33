import { BIZ_TYPE, TARSPAY_STATES } from '../tarspay/codes.js';
import { findPaymentMethod, findPayoutBank } from '../tarspay/catalogs.js';
import { COLLECTION_TYPE } from './pay-instructions.js';
import type { Delivery, Merchant, SandboxOrder } from './store.js';

/** An order as TarsPay shows it (inquiries, callbacks, history) and as the sandbox control shows it. */

const seconds = (ms: number): number => Math.floor(ms / 1000);

/** The inquiry answer's `data`; callbacks carry the same fields plus bizType. */
export function inquiryData(order: SandboxOrder): Record<string, string | number> {
  return {
    currency: order.currency,
    fee: order.fee.toString(),
    mchNo: order.mchNo,
    mchOrderNo: order.mchOrderNo,
    orderAmount: order.amount.toString(),
    payAmount: order.payAmount.toString(),
    payOrderId: order.payOrderId,
    state: order.state,
    ...(order.failReason !== undefined && { failReason: order.failReason }),
  };
}

export function callbackPayload(order: SandboxOrder): Record<string, string | number> {
  return { bizType: order.kind === 'collection' ? BIZ_TYPE.COLLECTION : BIZ_TYPE.PAYOUT, ...inquiryData(order) };
}

/** One `records` entry of /api/orderList. */
export function historyRecord(order: SandboxOrder, merchant: Merchant): Record<string, string | number> {
  const isCollection = order.kind === 'collection';
  const method = findPaymentMethod(order.wayCode);
  return {
    // "Settlement quantity": net of the fee for collections, the bill amount for payouts.
    amount: (isCollection ? order.payAmount - order.fee : order.amount).toString(),
    bankCard: order.customer.accountNumber ?? order.instructions?.accountNumber ?? '',
    bankName: isCollection ? (order.instructions?.typeBank ?? '') : (findPayoutBank(order.wayCode)?.name ?? ''),
    bizType: isCollection ? BIZ_TYPE.COLLECTION : BIZ_TYPE.PAYOUT,
    createdAt: seconds(order.createdAt),
    currency: order.currency,
    mchFeeAmount: order.fee.toString(),
    mchName: merchant.name,
    mchNo: order.mchNo,
    mchOrderNo: order.mchOrderNo,
    mobilePhone: order.customer.contact ?? '',
    orderAmount: order.amount.toString(),
    payOrderId: order.payOrderId,
    payWay: order.wayCode,
    payWayType: isCollection && method ? COLLECTION_TYPE[method.type] : 'bank',
    payerName: order.customer.name ?? '',
    state: order.state,
    successTime: order.finishedAt === undefined ? 0 : seconds(order.finishedAt),
  };
}

export interface SandboxOrderView {
  kind: 'COLLECTION' | 'PAYOUT';
  payOrderId: string;
  mchNo: string;
  mchOrderNo: string;
  wayCode: string;
  amount: string;
  payAmount: string;
  fee: string;
  currency: string;
  state: number;
  status: string;
  failReason: string | null;
  notifyUrl: string;
  returnUrl: string | null;
  payUrl: string | null;
  payData: string | null;
  subject: string | null;
  createdAt: string;
  expiresAt: string | null;
  finishedAt: string | null;
  deliveries: Delivery[];
}

/** The sandbox control's JSON (GET /sandbox/orders/{payOrderId}). */
export function sandboxOrderView(order: SandboxOrder): SandboxOrderView {
  const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());
  return {
    kind: order.kind === 'collection' ? 'COLLECTION' : 'PAYOUT',
    payOrderId: order.payOrderId,
    mchNo: order.mchNo,
    mchOrderNo: order.mchOrderNo,
    wayCode: order.wayCode,
    amount: order.amount.toString(),
    payAmount: order.payAmount.toString(),
    fee: order.fee.toString(),
    currency: order.currency,
    state: order.state,
    status: TARSPAY_STATES[order.state] ?? 'UNKNOWN',
    failReason: order.failReason ?? null,
    notifyUrl: order.notifyUrl,
    returnUrl: order.returnUrl ?? null,
    payUrl: order.instructions?.payUrl ?? null,
    payData: order.instructions?.payData ?? null,
    subject: order.subject ?? null,
    createdAt: iso(order.createdAt)!,
    expiresAt: iso(order.expiresAt),
    finishedAt: iso(order.finishedAt),
    deliveries: order.deliveries.map((delivery) => ({ ...delivery })),
  };
}

/** The answer to a settlement: the order, and whether TarsPay would have sent a callback for its new state. */
export interface SandboxSettlementView extends SandboxOrderView {
  callbackSent: boolean;
}

export function settlementView(order: SandboxOrder, callbackSent: boolean): SandboxSettlementView {
  return { ...sandboxOrderView(order), callbackSent };
}

import { COLLECTION_AMOUNT_LIMITS, findPaymentMethod } from '../tarspay/catalogs.js';
import { API_CODES, TarsPayApiError } from './api-error.js';
import type { SandboxContext } from './context.js';
import { inquiryData } from './order-views.js';
import { optionalString, orderIds, parseAmount, requireHttpUrl, requireIdr, requiredStrings, type RequestBody } from './parameters.js';
import { payInstructions } from './pay-instructions.js';
import { STATE } from './settlement.js';
import type { Merchant, SandboxOrder } from './store.js';

/** /api/pay/unifiedOrder and /api/payInInfo: collections (pay-ins). */

const REQUIRED = ['mchOrderNo', 'wayCode', 'amount', 'body', 'currency', 'notifyUrl', 'returnUrl'] as const;

export function createCollection(ctx: SandboxContext, merchant: Merchant, body: RequestBody): Record<string, unknown> {
  const fields = requiredStrings(body, REQUIRED);
  const currency = requireIdr(fields.currency);
  const method = findPaymentMethod(fields.wayCode);
  if (!method) throw new TarsPayApiError(API_CODES.METHOD_NOT_SUPPORTED, `wayCode ${fields.wayCode} is not a collection method`);
  const amount = parseAmount(body.amount, COLLECTION_AMOUNT_LIMITS[method.type], method.code);
  const notifyUrl = requireHttpUrl(fields.notifyUrl, 'notifyUrl');
  ctx.store.countCreateRequest('collection', merchant.mchNo, fields.mchOrderNo);
  if (ctx.store.hasMerchantOrderNo('collection', merchant.mchNo, fields.mchOrderNo)) {
    throw new TarsPayApiError(API_CODES.DUPLICATE_ORDER, `a collection with mchOrderNo ${fields.mchOrderNo} already exists`);
  }

  const now = ctx.now();
  const payOrderId = ctx.store.nextPayOrderId(now);
  const customer = {
    name: optionalString(body, 'customerName'),
    email: optionalString(body, 'customerEmail'),
    contact: optionalString(body, 'customerContact'),
    accountNumber: optionalString(body, 'customerAccountNumber'),
  };
  const subject = optionalString(body, 'subject');
  const instructions = payInstructions({ method, payOrderId, amount, merchant, customer, baseUrl: ctx.baseUrl });
  const order: SandboxOrder = {
    kind: 'collection',
    payOrderId,
    mchNo: merchant.mchNo,
    mchOrderNo: fields.mchOrderNo,
    wayCode: method.code,
    amount,
    currency,
    notifyUrl,
    returnUrl: fields.returnUrl,
    body: fields.body,
    customer,
    createdAt: now,
    instructions,
    state: STATE.CREATED,
    payAmount: 0n,
    fee: 0n,
    deliveries: [],
    ...(subject !== undefined && { subject }),
    ...(ctx.options.orderExpiryMs > 0 && { expiresAt: now + ctx.options.orderExpiryMs }),
  };
  ctx.store.addOrder(order);
  ctx.log('info', 'collection created', { payOrderId, mchNo: merchant.mchNo, mchOrderNo: order.mchOrderNo, wayCode: method.code });

  const { payWays, ...payment } = instructions;
  return {
    ...createTimes(order),
    ...(payment.payData !== undefined && { payDataType: PAY_DATA_TYPE }),
    amount: amount.toString(),
    body: fields.body,
    countryCode: 'id',
    currency,
    ...(customer.contact !== undefined && { customerContact: customer.contact }),
    mchOrderNo: order.mchOrderNo,
    orderState: order.state,
    payOrderId,
    ...(subject !== undefined && { subject }),
    ...payment,
    payWays,
  };
}

/**
 * TarsPay's document does not show `expiredTime` and `payDataType`; the sandbox sends them the way
 * the document writes its other times: Unix seconds, UTC ("0 time zone timestamp, accurate to
 * seconds"), as a JSON number. None when the order never expires.
 */
function createTimes(order: SandboxOrder): { expiredTime?: number } {
  return order.expiresAt === undefined ? {} : { expiredTime: Math.floor(order.expiresAt / 1000) };
}

/** `payData` is sent for QRIS and e-wallets only (as the document says); it holds QR code content. */
const PAY_DATA_TYPE = 'qrCode';

export function collectionInquiry(ctx: SandboxContext, merchant: Merchant, body: RequestBody): Record<string, unknown> {
  const ids = orderIds(body);
  const order = ctx.store.findMerchantOrder('collection', merchant.mchNo, ids);
  if (!order) {
    throw new TarsPayApiError(API_CODES.COLLECTION_NOT_FOUND, `no collection of ${merchant.mchNo} with ${JSON.stringify(ids)}`);
  }
  return inquiryData(order);
}

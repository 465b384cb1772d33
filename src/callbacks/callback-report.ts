import type { OrderKind } from '../orders/order-row.js';
import { isAbsentOnWire, readFee, readReportedAmount } from '../tarspay/amounts.js';
import { BIZ_TYPE, stateFromCode, type TarsPayState } from '../tarspay/codes.js';
import type { CallbackBody } from './callback-body.js';

/**
 * What a signed callback says, read as strictly as its signature is checked. Any field that moves
 * money and is not what TarsPay documents makes the whole callback malformed: it is refused, never
 * applied with the field left out.
 */
export interface CallbackReport {
  payOrderId?: string;
  mchOrderNo?: string;
  /** From bizType: 1 collection, 2 payout; undefined when the callback does not say. */
  kind?: OrderKind;
  status?: TarsPayState;
  paidAmount?: string;
  orderAmount?: string;
  /** Informational, exact decimal text; left out when unreadable (never a problem). */
  fee?: string;
  failureReason?: string;
  /** Why the callback cannot be applied; empty when it can. */
  problems: string[];
}

/** States that say money was paid: the callback must say how much. */
const PAID: readonly TarsPayState[] = ['SUCCEEDED', 'PARTIALLY_PAID'];
const KIND_BY_BIZ_TYPE = new Map<unknown, OrderKind>([
  [BIZ_TYPE.COLLECTION, 'COLLECTION'],
  [String(BIZ_TYPE.COLLECTION), 'COLLECTION'],
  [BIZ_TYPE.PAYOUT, 'PAYOUT'],
  [String(BIZ_TYPE.PAYOUT), 'PAYOUT'],
]);
const MAX_ID_LENGTH = 128;
const MAX_REASON_LENGTH = 512;

export function readCallbackReport(body: CallbackBody): CallbackReport {
  const problems: string[] = [];
  const report: CallbackReport = { problems };
  report.payOrderId = orderId(body, 'payOrderId', problems);
  report.mchOrderNo = orderId(body, 'mchOrderNo', problems);

  report.status = stateFromCode(body.state);
  if (!report.status) problems.push(`state ${shown(body.state)} is not a TarsPay state code (0 to 9)`);

  if (!isAbsentOnWire(body.bizType)) {
    report.kind = KIND_BY_BIZ_TYPE.get(body.bizType);
    if (!report.kind) problems.push(`bizType ${shown(body.bizType)} is neither 1 (collection) nor 2 (payout)`);
  }

  report.paidAmount = amount(body, 'payAmount', problems);
  if (report.paidAmount === undefined && report.status && PAID.includes(report.status) && isAbsentOnWire(body.payAmount)) {
    problems.push(`payAmount is missing: a paid callback (state ${shown(body.state)}) must say what was paid`);
  }
  report.orderAmount = amount(body, 'orderAmount', problems);
  report.fee = readFee(body.fee);

  if (!isAbsentOnWire(body.currency) && body.currency !== 'IDR') problems.push(`currency ${shown(body.currency)} is not IDR`);

  if (typeof body.failReason === 'string' && body.failReason !== '') report.failureReason = body.failReason.slice(0, MAX_REASON_LENGTH);
  else if (!isAbsentOnWire(body.failReason)) problems.push('failReason is not text');
  return report;
}

function orderId(body: CallbackBody, field: 'payOrderId' | 'mchOrderNo', problems: string[]): string | undefined {
  const value = body[field];
  if (isAbsentOnWire(value)) return undefined;
  if (typeof value === 'string' && value.length <= MAX_ID_LENGTH) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  problems.push(`${field} is not an order id (text of at most ${MAX_ID_LENGTH} characters)`);
  return undefined;
}

function amount(body: CallbackBody, field: 'payAmount' | 'orderAmount', problems: string[]): string | undefined {
  const value = body[field];
  if (isAbsentOnWire(value)) return undefined;
  const parsed = readReportedAmount(value);
  if (parsed === undefined) problems.push(`${field} ${shown(value)} is not a whole rupiah amount`);
  return parsed;
}

/** A value for a message: JSON, at most 40 characters. */
function shown(value: unknown): string {
  const text = value === undefined ? 'missing' : (JSON.stringify(value) ?? typeof value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

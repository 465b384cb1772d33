import { bizTypeKind } from '../tarspay/codes.js';
import type { SandboxContext } from './context.js';
import { historyRecord } from './order-views.js';
import { optionalInteger, requiredInteger, type RequestBody } from './parameters.js';
import { FINAL_STATES } from './settlement.js';
import type { Merchant } from './store.js';

/** /api/balanceInfo and /api/orderList: the merchant's balance and transaction history. */

export function balanceInfo(_ctx: SandboxContext, merchant: Merchant): Record<string, unknown> {
  return { availableAmount: merchant.available.toString(), frozenAmount: merchant.frozen.toString(), mchNo: merchant.mchNo };
}

const MAX_PAGE_SIZE = 50;
const MAX_SECONDS = 99_999_999_999;

/**
 * Final orders only (states 2, 3, 4, 5, 6, 8, 9), newest first. bizType 3 and 4 (USDT withdrawal,
 * withdrawal) are accepted and always empty here. Times are Unix seconds, compared with createdAt.
 */
export function orderList(ctx: SandboxContext, merchant: Merchant, body: RequestBody): Record<string, unknown> {
  const bizType = optionalInteger(body, 'bizType', { min: 1, max: 4 });
  const startTime = optionalInteger(body, 'startTime', { min: 0, max: MAX_SECONDS });
  const endTime = optionalInteger(body, 'endTime', { min: 0, max: MAX_SECONDS });
  const pageNumber = requiredInteger(body, 'pageNumber', { min: 1, max: Number.MAX_SAFE_INTEGER });
  const pageSize = requiredInteger(body, 'pageSize', { min: 1, max: MAX_PAGE_SIZE });

  const kind = bizTypeKind(bizType)?.toLowerCase();
  const matching = ctx.store
    .ordersOf(merchant.mchNo)
    .filter((order) => FINAL_STATES.has(order.state))
    .filter((order) => bizType === undefined || order.kind === kind)
    .filter((order) => startTime === undefined || order.createdAt >= startTime * 1000)
    .filter((order) => endTime === undefined || order.createdAt < (endTime + 1) * 1000)
    .reverse();
  const records = matching.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map((order) => historyRecord(order, merchant));

  return {
    current: pageNumber,
    // MyBatis-Plus page fields, as in TarsPay's example answer.
    hitCount: false,
    optimizeCountSql: true,
    orders: [],
    pages: Math.ceil(matching.length / pageSize),
    records,
    searchCount: true,
    size: pageSize,
    total: matching.length,
  };
}

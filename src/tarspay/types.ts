import type { TarsPayState } from './codes.js';

/** Request and answer shapes of TarsPay's endpoints. Amounts are strings of whole rupiah. */

export interface CreateCollectionRequest {
  mchOrderNo: string;
  wayCode: string;
  amount: string;
  body: string;
  notifyUrl: string;
  returnUrl: string;
  subject?: string;
  currency?: string;
  customerName?: string;
  customerEmail?: string;
  customerContact?: string;
  customerAccountNumber?: string;
}

export interface CreateCollectionAnswer {
  payOrderId: string;
  mchOrderNo?: string;
  status: TarsPayState;
  payUrl?: string;
  payData?: string;
  /** How to read `payData`, as TarsPay names it. */
  payDataType?: string;
  /** When TarsPay closes the unpaid order, from `expiredTime`; absent when it sent none or one that could not be read. */
  expiresAt?: Date;
  accountNumber?: string;
  accountName?: string;
  typeBank?: string;
  raw: Record<string, unknown>;
}

export interface CreatePayoutRequest {
  mchOrderNo: string;
  /** the payout bank code, e.g. BANK_BCA */
  wayCode: string;
  amount: string;
  notifyUrl: string;
  customerName: string;
  customerContact: string;
  customerAccountNumber: string;
  customerEmail: string;
  address?: string;
  currency?: string;
}

export interface CreatePayoutAnswer {
  payOrderId: string;
  mchOrderNo: string;
  raw: Record<string, unknown>;
}

/** One of the two is required. */
export interface InquiryRequest {
  payOrderId?: string;
  mchOrderNo?: string;
}

export interface InquiryAnswer {
  payOrderId: string;
  mchOrderNo: string;
  status: TarsPayState;
  orderAmount?: string;
  payAmount?: string;
  fee?: string;
  currency: string;
  failReason?: string;
  raw: Record<string, unknown>;
}

export interface BalanceAnswer {
  availableAmount: string;
  frozenAmount: string;
  raw: Record<string, unknown>;
}

export interface HistoryRequest {
  /** 1 collection, 2 payout, 3 USDT withdrawal, 4 withdrawal */
  bizType?: number;
  /** seconds since the epoch, UTC */
  startTime?: number;
  endTime?: number;
  pageNumber: number;
  /** at most 50 */
  pageSize: number;
}

export interface HistoryRecord {
  payOrderId: string;
  mchOrderNo: string;
  bizType: number;
  state: number;
  status: TarsPayState | undefined;
  amount: string;
  orderAmount: string;
  mchFeeAmount: string;
  currency: string;
  payWay?: string;
  payWayType?: string;
  bankCard?: string;
  bankName?: string;
  payerName?: string;
  mobilePhone?: string;
  createdAt: number;
  successTime?: number;
  [field: string]: unknown;
}

export interface HistoryAnswer {
  page: number;
  pages: number;
  total: number;
  records: HistoryRecord[];
  raw: Record<string, unknown>;
}

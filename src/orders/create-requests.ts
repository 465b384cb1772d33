import type { CreateCollectionRequest, CreatePayoutRequest } from '../tarspay/types.js';
import type { Order } from './order.entity.js';

/**
 * TarsPay's create requests, built from the stored order: the first create and every re-send by
 * reconciliation carry exactly the same parameters, so TarsPay can only see them as one order.
 */
export interface CreateTargets {
  notifyUrl: string;
  /** Where the cashier sends the payer back when the order has no returnUrl of its own. */
  defaultReturnUrl: string;
}

type StoredCollection = Pick<Order, 'merchantOrderNo' | 'method' | 'amount' | 'subject' | 'description' | 'returnUrl' | 'customer'>;
type StoredPayout = Pick<Order, 'merchantOrderNo' | 'method' | 'amount' | 'customer' | 'beneficiary'>;

export function collectionRequest(order: StoredCollection, targets: CreateTargets): CreateCollectionRequest {
  const { customer } = order;
  return {
    mchOrderNo: order.merchantOrderNo,
    wayCode: order.method,
    amount: order.amount,
    subject: order.subject ?? undefined,
    body: order.description ?? '',
    notifyUrl: targets.notifyUrl,
    returnUrl: order.returnUrl || targets.defaultReturnUrl,
    customerName: customer?.name ?? undefined,
    customerEmail: customer?.email ?? undefined,
    customerContact: customer?.phone ?? undefined,
    customerAccountNumber: customer?.accountNumber ?? undefined,
  };
}

export function payoutRequest(order: StoredPayout, targets: Pick<CreateTargets, 'notifyUrl'>): CreatePayoutRequest {
  const beneficiary = order.beneficiary!;
  return {
    mchOrderNo: order.merchantOrderNo,
    wayCode: order.method,
    amount: order.amount,
    notifyUrl: targets.notifyUrl,
    customerName: beneficiary.accountName,
    customerAccountNumber: beneficiary.accountNumber,
    customerContact: order.customer?.phone ?? '',
    customerEmail: order.customer?.email ?? '',
    address: beneficiary.address ?? undefined,
  };
}

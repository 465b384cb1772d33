import { signCallback } from '../../src/tarspay/signatures.js';
import type { PrivateKey } from '../../src/tarspay/signer.js';
import type { CreatedOrder } from './graphql.js';

/** A TarsPay SUCCEEDED callback for an order, signed with the (sandbox) platform key as TarsPay would. */
export interface SignedCallback {
  key: string;
  body: string;
  signature: string;
}

export function succeededCallback(platformKey: PrivateKey, mchNo: string, order: Pick<CreatedOrder, 'merchantOrderNo' | 'platformOrderId' | 'amount'>): SignedCallback {
  const { body, signature } = signCallback(platformKey, {
    bizType: 1,
    currency: 'IDR',
    fee: '4500',
    mchNo,
    mchOrderNo: order.merchantOrderNo,
    orderAmount: order.amount,
    payAmount: order.amount,
    payOrderId: order.platformOrderId,
    state: 2,
  });
  return { key: order.merchantOrderNo, body, signature };
}

export async function postCallback(gatewayUrl: string, callback: SignedCallback): Promise<void> {
  const response = await fetch(`${gatewayUrl}/tarspay/notify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-resp-signature': callback.signature },
    body: callback.body,
  });
  const text = await response.text();
  if (response.status !== 200 || text !== 'OK') throw new Error(`callback answered ${response.status} ${text}`);
}

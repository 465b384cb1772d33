import { secp256k1 } from '@noble/curves/secp256k1.js';
import { callbackBody as wireCallbackBody } from '../../src/tarspay/signatures.js';
import { type PrivateKey } from '../../src/tarspay/signer.js';

/** Signs like TarsPay's signer, which does not normalise S: keeps signing until S has the wanted height. */
export function signWithS(key: PrivateKey, message: string, wanted: 'high' | 'low'): string {
  for (let attempt = 0; attempt < 200; attempt++) {
    const signature = key.sign(message, 'openssl');
    const high = secp256k1.Signature.fromHex(signature, 'der').hasHighS();
    if (high === (wanted === 'high')) return signature;
  }
  throw new Error('no signature with the wanted S in 200 tries');
}

export interface CallbackFields {
  bizType: number;
  mchNo: string;
  mchOrderNo: string;
  payOrderId: string;
  orderAmount: string;
  payAmount: string;
  fee: string;
  state: number;
  currency?: string;
  failReason?: string;
}

/** The fields of TarsPay's callback for a collection order: paid in full (fee 4500) unless `overrides` say otherwise. */
export function collectionCallbackFields(
  mchNo: string,
  order: { merchantOrderNo: string; platformOrderId: string; amount: string },
  state: number,
  overrides: Partial<CallbackFields> = {},
): CallbackFields {
  return {
    bizType: 1,
    mchNo,
    mchOrderNo: order.merchantOrderNo,
    payOrderId: order.platformOrderId,
    orderAmount: order.amount,
    payAmount: order.amount,
    fee: '4500',
    state,
    ...overrides,
  };
}

export function callbackBody(fields: CallbackFields): string {
  return wireCallbackBody({ currency: 'IDR', ...fields });
}

export async function postCallback(
  baseUrl: string,
  body: string,
  signature?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  const response = await fetch(`${baseUrl}/tarspay/notify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature === undefined ? {} : { 'x-resp-signature': signature }), ...headers },
    body,
  });
  return { status: response.status, text: await response.text() };
}

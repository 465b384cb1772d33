import { signCallback } from '../../src/tarspay/signatures.js';
import type { PrivateKey } from '../../src/tarspay/signer.js';
import type { CreatedOrder } from './graphql.js';
import { post } from './http.js';
import { monotonicMs, sleep } from './stats.js';

/** A TarsPay SUCCEEDED callback for an order, signed with the (sandbox) platform key as TarsPay would. */
export interface SignedCallback {
  key: string;
  body: string;
  signature: string;
}

export function succeededCallback(
  platformKey: PrivateKey,
  mchNo: string,
  order: Pick<CreatedOrder, 'merchantOrderNo' | 'platformOrderId' | 'amount'>,
): SignedCallback {
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

/**
 * Sends `callbacks` at `ratePerS` on a fixed schedule (a late one goes at once, not later ones
 * later), over the bounded keep-alive pool of bench/lib/http.ts; the send time of each, keyed by
 * its `key`, is taken just before its request starts.
 */
export async function sendPaced(
  url: string,
  callbacks: readonly SignedCallback[],
  ratePerS: number,
  sent: Map<string, number>,
): Promise<{ seconds: number; failures: string[]; answerMs: number[] }> {
  const interval = 1000 / ratePerS;
  const failures: string[] = [];
  const answerMs: number[] = [];
  const pending: Promise<void>[] = [];
  const started = performance.now();
  for (let index = 0; index < callbacks.length; index++) {
    const wait = started + index * interval - performance.now();
    if (wait >= 1) await sleep(wait);
    const callback = callbacks[index]!;
    const sentAt = monotonicMs();
    sent.set(callback.key, sentAt);
    pending.push(
      post(url, { 'content-type': 'application/json', 'x-resp-signature': callback.signature }, callback.body).then(
        ({ status, text }) => {
          answerMs.push(monotonicMs() - sentAt);
          if (status !== 200 || text !== 'OK') failures.push(`${status} ${text}`);
        },
        (error: unknown) => void failures.push(`${String(error)} (${String((error as { cause?: unknown }).cause)})`),
      ),
    );
  }
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(pending);
  return { seconds, failures, answerMs };
}

import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { signCallback } from '../tarspay/signatures.js';
import type { PrivateKey } from '../tarspay/signer.js';
import type { CallbackFaults } from './callback-faults.js';
import { FRACTIONAL_FEE } from './faults.js';
import { callbackPayload } from './order-views.js';
import type { SandboxLogger } from './options.js';
import type { SandboxOrder } from './store.js';

/**
 * TarsPay's callbacks: POST the order's state to its notifyUrl as compact key-sorted JSON, signed
 * in X-RESP-SIGNATURE over exactly the bytes sent. Delivered when the answer is 2xx with the body
 * exactly `OK` (no newline, no other case); otherwise resent after a delay that doubles each time,
 * up to MAX_DELIVERIES deliveries in all.
 */

export const MAX_DELIVERIES = 16;
const RESPONSE_LIMIT = 64 * 1024;

export interface CallbackSenderOptions {
  platformKey: PrivateKey;
  retryMs: number;
  retryMaxMs: number;
  timeoutMs: number;
  log: SandboxLogger;
  /** Faults to apply to the next callbacks (callback-faults.ts). */
  faults?: CallbackFaults;
}

interface SignedCallback {
  body: string;
  signature: string;
}

interface PostResult {
  status: number;
  text: string;
}

function post(url: string, body: string, headers: Record<string, string>, timeoutMs: number, signal: AbortSignal): Promise<PostResult> {
  return new Promise((resolve, reject) => {
    const send = url.startsWith('https:') ? httpsRequest : httpRequest;
    // agent: false: no pooled keep-alive sockets outliving the sandbox.
    const req = send(url, { method: 'POST', headers, agent: false, signal, timeout: timeoutMs }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= RESPONSE_LIMIT) chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export class CallbackSender {
  readonly #options: CallbackSenderOptions;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #inFlight = new Set<AbortController>();
  /** Each order's last callback, for the reorder fault. */
  readonly #previous = new WeakMap<SandboxOrder, SignedCallback>();
  #closed = false;

  constructor(options: CallbackSenderOptions) {
    this.#options = options;
  }

  /** The delay before delivery `attempt` + 1. */
  delayAfter(attempt: number): number {
    return Math.min(this.#options.retryMs * 2 ** (attempt - 1), this.#options.retryMaxMs);
  }

  /** Starts delivering the order's current state; the body is fixed now, resends carry the same bytes. */
  send(order: SandboxOrder): void {
    if (this.#closed) return;
    const fault = this.#options.faults?.take();
    const payload = callbackPayload(order);
    if (fault?.mode === 'fractionalFee') payload.fee = FRACTIONAL_FEE;
    const { body, signature } = signCallback(this.#options.platformKey, payload);
    const previous = this.#previous.get(order);
    this.#previous.set(order, { body, signature });
    if (fault) this.#options.log('info', `callback fault ${fault.mode} applied`, { payOrderId: order.payOrderId, faultId: fault.id });
    switch (fault?.mode) {
      case 'never':
        return;
      case 'drop':
        order.deliveries.push({ attempt: 1, at: new Date().toISOString(), status: null, response: null, error: 'lost (callback fault drop)' });
        this.#later(this.delayAfter(1), () => this.#deliver(order, body, signature, 2));
        return;
      case 'delay':
        this.#later(fault.delayMs, () => this.#deliver(order, body, signature, 1));
        return;
      case 'duplicate':
        void this.#deliver(order, body, signature, 1);
        void this.#deliver(order, body, signature, 1, false);
        return;
      case 'reorder':
        void this.#deliver(order, body, signature, 1).then(() => previous && this.#deliver(order, previous.body, previous.signature, 1, false));
        return;
      default:
        void this.#deliver(order, body, signature, 1);
    }
  }

  #later(delayMs: number, run: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void run();
    }, delayMs);
    timer.unref();
    this.#timers.add(timer);
  }

  /** `resend` false: one delivery only (a fault's extra copy), never resent. */
  async #deliver(order: SandboxOrder, body: string, signature: string, attempt: number, resend = true): Promise<void> {
    const controller = new AbortController();
    this.#inFlight.add(controller);
    const at = new Date().toISOString();
    let delivered = false;
    try {
      const headers = {
        'Content-Type': 'application/json',
        'Content-Length': String(Buffer.byteLength(body)),
        'X-RESP-SIGNATURE': signature,
      };
      const result = await post(order.notifyUrl, body, headers, this.#options.timeoutMs, controller.signal);
      delivered = result.status >= 200 && result.status < 300 && result.text === 'OK';
      const problem = delivered ? null : `answer was HTTP ${result.status} ${JSON.stringify(result.text.slice(0, 40))}, not 200 "OK"`;
      order.deliveries.push({ attempt, at, status: result.status, response: result.text.slice(0, 200), error: problem });
    } catch (error) {
      if (this.#closed) return;
      order.deliveries.push({ attempt, at, status: null, response: null, error: (error as Error).message });
    } finally {
      this.#inFlight.delete(controller);
    }
    const fields = { payOrderId: order.payOrderId, notifyUrl: order.notifyUrl, attempt };
    if (delivered) {
      this.#options.log('info', 'callback delivered', fields);
      return;
    }
    if (!resend) return;
    if (attempt >= MAX_DELIVERIES) {
      this.#options.log('warn', `callback given up after ${MAX_DELIVERIES} deliveries`, fields);
      return;
    }
    if (this.#closed) return;
    const delay = this.delayAfter(attempt);
    this.#options.log('warn', 'callback not acknowledged, will resend', { ...fields, error: order.deliveries.at(-1)?.error, delayMs: delay });
    this.#later(delay, () => this.#deliver(order, body, signature, attempt + 1));
  }

  /** Cancels pending resends and aborts deliveries in flight. */
  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const controller of this.#inFlight) controller.abort();
    this.#inFlight.clear();
  }
}

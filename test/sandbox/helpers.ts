import { afterEach } from 'vitest';
import { createServer, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { requestMessage, type EmptyValueForm } from '../../src/tarspay/message.js';
import { verifyAnswerSign } from '../../src/tarspay/signatures.js';
import { PrivateKey } from '../../src/tarspay/signer.js';
import type { SandboxOptions } from '../../src/sandbox/options.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';

/** Boots real sandboxes on loopback and talks to them with signed requests (independent of src/tarspay/client.ts). */

export interface Envelope {
  code: number;
  msg: string;
  data?: Record<string, any>;
  sign?: string;
}

export interface SignedCallOptions {
  nonce?: string;
  emptyValues?: EmptyValueForm;
  /** Replaces the computed signature. */
  signature?: string;
  apiKey?: string;
  /** Sent instead of JSON.stringify(body) (the signature still covers `body`). */
  rawBody?: string;
}

export class SandboxTestClient {
  constructor(
    readonly baseUrl: string,
    readonly mchNo: string,
    readonly key: PrivateKey,
  ) {}

  async post(path: string, body: Record<string, unknown>, options: SignedCallOptions = {}): Promise<{ status: number; text: string }> {
    const nonce = options.nonce ?? String(Date.now());
    const signature = options.signature ?? this.key.sign(requestMessage(path, nonce, body, options.emptyValues ?? 'omit'));
    const response = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json;charset=utf-8',
        'X-API-KEY': options.apiKey ?? this.key.publicKeyHex,
        'X-API-NONCE': nonce,
        'X-API-SIGNATURE': signature,
      },
      body: options.rawBody ?? JSON.stringify(body),
    });
    return { status: response.status, text: await response.text() };
  }

  /** A signed call whose body gets this merchant's mchNo unless it has one. */
  async call(path: string, body: Record<string, unknown> = {}, options: SignedCallOptions = {}): Promise<Envelope> {
    const answer = await this.post(path, { mchNo: this.mchNo, ...body }, options);
    if (answer.status !== 200) throw new Error(`HTTP ${answer.status}: ${answer.text}`);
    return JSON.parse(answer.text) as Envelope;
  }

  createCollection(overrides: Record<string, unknown> = {}): Promise<Envelope> {
    return this.call('/api/pay/unifiedOrder', collectionBody(overrides));
  }

  createPayout(overrides: Record<string, unknown> = {}): Promise<Envelope> {
    return this.call('/api/payOut/unifiedOrder', payoutBody(overrides));
  }

  balance(): Promise<Envelope> {
    return this.call('/api/balanceInfo');
  }
}

let orderCounter = 0;
export function nextMchOrderNo(prefix = 'ORD'): string {
  orderCounter += 1;
  return `${prefix}-${process.pid}-${Date.now()}-${orderCounter}`;
}

export function collectionBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    mchOrderNo: nextMchOrderNo('COL'),
    wayCode: 'BANK_BCA',
    amount: '150000',
    body: 'Two batik shirts',
    subject: 'Order 1001',
    currency: 'IDR',
    notifyUrl: 'http://127.0.0.1:9/notify',
    returnUrl: 'https://merchant.example/return',
    customerName: 'Budi Santoso',
    customerContact: '081234567890',
    ...overrides,
  };
}

export function payoutBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    mchOrderNo: nextMchOrderNo('PAY'),
    wayCode: 'BANK_BCA',
    amount: '100000',
    currency: 'IDR',
    notifyUrl: 'http://127.0.0.1:9/notify',
    customerName: 'Siti Rahayu',
    customerContact: '081298765432',
    customerAccountNumber: '1234567890',
    customerEmail: 'siti@example.co.id',
    ...overrides,
  };
}

export interface TestSandbox {
  sandbox: Sandbox;
  client: SandboxTestClient;
}

export async function startTestSandbox(options: SandboxOptions = {}): Promise<TestSandbox> {
  const key = PrivateKey.generate();
  const mchNo = `M${Date.now()}${Math.floor(Math.random() * 1000)}`;
  const sandbox = await startSandbox({
    host: '127.0.0.1',
    port: 0,
    callbackRetryMs: 20,
    ...options,
    merchants: [{ mchNo, publicKey: key.publicKeyHex }, ...(options.merchants ?? [])],
  });
  return { sandbox, client: new SandboxTestClient(sandbox.url, mchNo, key) };
}

export function signVerifies(envelope: Envelope, platformPublicKey: string): boolean {
  return envelope.code === 0 && verifyAnswerSign(platformPublicKey, envelope, envelope.sign);
}

/** Error answers are signed over `{code, msg}`. */
export function errorSignVerifies(envelope: Envelope, platformPublicKey: string): boolean {
  return envelope.code !== 0 && verifyAnswerSign(platformPublicKey, envelope, envelope.sign);
}

export async function controlJson(baseUrl: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    ...(body !== undefined && { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: response.status, json: await response.json() };
}

export interface ReceivedCallback {
  rawBody: string;
  headers: IncomingHttpHeaders;
  at: number;
}

export interface CallbackReceiver {
  url: string;
  received: ReceivedCallback[];
  close(): Promise<void>;
}

/** A real merchant endpoint on loopback; `answer` decides what the n-th delivery (1-based) gets. */
export async function startCallbackReceiver(
  answer: (n: number, req: IncomingMessage) => { status: number; body: string } | 'hang' = () => ({ status: 200, body: 'OK' }),
): Promise<CallbackReceiver> {
  const received: ReceivedCallback[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ rawBody: Buffer.concat(chunks).toString('utf8'), headers: req.headers, at: Date.now() });
      const reply = answer(received.length, req);
      if (reply === 'hang') return;
      res.writeHead(reply.status, { 'Content-Type': 'text/plain' });
      res.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/tarspay/notify`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export async function waitFor<T>(check: () => T | undefined | null | false, timeoutMs = 5_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sandboxes and callback receivers started by one test file, each closed after every test:
 * `start()` with the file's defaults (overridable per call) and `receiver()`.
 */
export function sandboxesClosedAfterEach(defaults: SandboxOptions = {}): {
  start: (options?: SandboxOptions) => Promise<TestSandbox>;
  receiver: () => Promise<CallbackReceiver>;
} {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await Promise.all(cleanup.splice(0).map((close) => close()));
  });
  return {
    start: async (options = {}) => {
      const setup = await startTestSandbox({ ...defaults, ...options });
      cleanup.push(() => setup.sandbox.close());
      return setup;
    },
    receiver: async () => {
      const started = await startCallbackReceiver();
      cleanup.push(() => started.close());
      return started;
    },
  };
}

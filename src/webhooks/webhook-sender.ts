import { isIP } from 'node:net';
import { Pool, type Dispatcher } from 'undici';
import type { WebhookHeaders } from './webhook-signing.js';
import { isPrivateAddress, PrivateAddressError, safeLookup, type WebhookUrlPolicy } from './webhook-url.js';

/** What one POST to an endpoint came to. */
export interface SendResult {
  /** A 2xx answer. Anything else (3xx included: redirects are never followed) is a failure. */
  ok: boolean;
  httpStatus: number | null;
  durationMs: number;
  /** At most SNIPPET_BYTES of the answer's body, or why there was no answer. */
  snippet: string | null;
}

export const SNIPPET_BYTES = 1024;
/** Read past the snippet (so the connection can be reused) up to this much, then hang up. */
const DRAIN_BYTES = 64 * 1024;

const MAX_DESTINATIONS = 10_000;
/** Connection pools kept, one per origin (scheme, host, port). */
const MAX_POOLS = 1_000;
const CONNECTIONS_PER_ORIGIN = 32;
const USER_AGENT = 'tarspay-graphql-webhooks';

interface Destination {
  origin: string;
  /** Path and query. */
  path: string;
}

/** A target's origin and path; a string says why it is not sent to. */
function parseDestination(target: string, policy: WebhookUrlPolicy): Destination | string {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return 'not a URL';
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  // An address literal is connected to without a lookup: check it here.
  if (isIP(host) && !policy.allowPrivate && isPrivateAddress(host)) return 'refused: a private, loopback or link-local address';
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'refused: not an http(s) URL';
  return { origin: url.origin, path: `${url.pathname}${url.search}` };
}

const TIMED_OUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** Why there was no answer. */
function failureText(error: Error & { code?: string }, timeoutMs: number): string {
  if (error instanceof PrivateAddressError) return 'refused: the host resolves to a private, loopback or link-local address';
  if (error.code !== undefined && TIMED_OUT.has(error.code)) return `timeout: no complete answer within ${timeoutMs} ms`;
  return `no answer: ${error.code ?? error.name}`;
}

class DeadlineError extends Error {
  override name = 'DeadlineError';
}

/**
 * One POST as undici hands it over (its dispatch handler: no response stream, no promise per step):
 * the status, the first SNIPPET_BYTES of the body read on to DRAIN_BYTES (the connection is kept)
 * and no further (it is closed), all within one deadline.
 */
class Exchange implements Dispatcher.DispatchHandler {
  readonly #started = performance.now();
  readonly #deadline: NodeJS.Timeout;
  #controller: Dispatcher.DispatchController | undefined;
  #status = 0;
  #read = 0;
  readonly #chunks: Buffer[] = [];
  #settled = false;

  constructor(
    private readonly settle: (result: SendResult) => void,
    private readonly timeoutMs: number,
  ) {
    this.#deadline = setTimeout(() => {
      this.#finish(false, null, `timeout: no complete answer within ${timeoutMs} ms`);
      this.#controller?.abort(new DeadlineError());
    }, timeoutMs);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    // Started (out of the pool's queue) after the deadline: not sent.
    if (this.#settled) controller.abort(new DeadlineError());
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.#status = statusCode;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#read < SNIPPET_BYTES) this.#chunks.push(chunk.subarray(0, SNIPPET_BYTES - this.#read));
    this.#read += chunk.length;
    if (this.#read > DRAIN_BYTES) {
      this.#answered();
      controller.abort(new Error('answer longer than the drain limit'));
    }
  }

  onResponseEnd(): void {
    this.#answered();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#finish(false, null, failureText(error, this.timeoutMs));
  }

  #answered(): void {
    const status = this.#status;
    const text = this.#chunks.length === 0 ? '' : Buffer.concat(this.#chunks).toString('utf8');
    this.#finish(status >= 200 && status < 300, status, text || null);
  }

  #finish(ok: boolean, httpStatus: number | null, snippet: string | null): void {
    if (this.#settled) return;
    this.#settled = true;
    clearTimeout(this.#deadline);
    this.settle({ ok, httpStatus, durationMs: Math.round(performance.now() - this.#started), snippet });
  }
}

/**
 * POSTs signed bodies to endpoints with undici: a pool of keep-alive connections per origin, one
 * deadline for the whole exchange, no redirects (undici follows none unless told), and the address
 * checked on connect (`safeLookup`, webhook-url.ts).
 */
export class WebhookSender {
  readonly #destinations = new Map<string, Destination | string>();
  /** Insertion order: past MAX_POOLS the oldest pool finishes what it was sending, then closes. */
  readonly #pools = new Map<string, Pool>();
  readonly #poolOptions: Pool.Options;

  constructor(
    private readonly policy: WebhookUrlPolicy,
    private readonly timeoutMs: number,
  ) {
    this.#poolOptions = {
      connections: CONNECTIONS_PER_ORIGIN,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      connect: { lookup: safeLookup(policy), timeout: timeoutMs },
    };
  }

  send(target: string, signed: WebhookHeaders, body: string): Promise<SendResult> {
    const destination = this.#destination(target);
    if (typeof destination === 'string') return Promise.resolve({ ok: false, httpStatus: null, durationMs: 0, snippet: destination });
    const pool = this.#pool(destination.origin);
    return new Promise((settle) => {
      const options: Dispatcher.DispatchOptions = {
        method: 'POST',
        path: destination.path,
        // Name, value, name, value…: undici's flat form, no object to walk.
        headers: [
          'webhook-id',
          signed['webhook-id'],
          'webhook-timestamp',
          signed['webhook-timestamp'],
          'webhook-signature',
          signed['webhook-signature'],
          'content-type',
          'application/json',
          'user-agent',
          USER_AGENT,
        ],
        body,
      };
      pool.dispatch(options, new Exchange(settle, this.timeoutMs));
    });
  }

  /** Where a target URL goes, or why not (parsed once per URL: the endpoints' URLs are few). */
  #destination(target: string): Destination | string {
    let destination = this.#destinations.get(target);
    if (destination === undefined) {
      destination = parseDestination(target, this.policy);
      if (this.#destinations.size >= MAX_DESTINATIONS) this.#destinations.clear();
      this.#destinations.set(target, destination);
    }
    return destination;
  }

  #pool(origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (!pool) {
      if (this.#pools.size >= MAX_POOLS) {
        const [oldest, evicted] = this.#pools.entries().next().value!;
        this.#pools.delete(oldest);
        void evicted.close().catch(() => undefined);
      }
      pool = new Pool(origin, this.#poolOptions);
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  close(): void {
    for (const pool of this.#pools.values()) void pool.destroy().catch(() => undefined);
    this.#pools.clear();
  }
}

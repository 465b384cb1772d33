import { isIP } from 'node:net';
import { LRUCache } from 'lru-cache';
import { Pool, type Dispatcher } from 'undici';
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
/** Connection pools kept, one per origin (scheme, host, port); the least recently used is closed past this. */
const MAX_POOLS = 1_000;
const CONNECTIONS_PER_ORIGIN = 32;

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

/** Why a send that threw got no answer. */
function failureText(error: unknown, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `timeout: no complete answer within ${timeoutMs} ms`;
  if (error instanceof PrivateAddressError) return 'refused: the host resolves to a private, loopback or link-local address';
  const { code, name } = error as { code?: string; name?: string };
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return `timeout: no complete answer within ${timeoutMs} ms`;
  }
  return `no answer: ${code ?? name ?? 'error'}`;
}

/** The first SNIPPET_BYTES of a body, read on to DRAIN_BYTES (the connection is kept) and no further (it is closed). */
function readSnippet(body: Dispatcher.ResponseData['body']): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let read = 0;
    const done = () => resolve(read === 0 ? null : Buffer.concat(chunks).toString('utf8') || null);
    body.on('data', (chunk: Buffer) => {
      if (read < SNIPPET_BYTES) chunks.push(chunk.subarray(0, SNIPPET_BYTES - read));
      read += chunk.length;
      if (read > DRAIN_BYTES) {
        done(); // before destroy: the error it causes rejects a settled promise
        body.destroy();
      }
    });
    body.on('end', done);
    body.on('error', reject);
  });
}

/**
 * POSTs signed bodies to endpoints with undici: a pool of keep-alive connections per origin, one
 * deadline for the whole exchange, no redirects (undici follows none unless told), and the address
 * checked on connect (`safeLookup`, webhook-url.ts).
 */
export class WebhookSender {
  readonly #destinations = new Map<string, Destination | string>();
  readonly #pools: LRUCache<string, Pool>;
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
    // An evicted pool finishes what it was sending, then closes.
    this.#pools = new LRUCache({
      max: MAX_POOLS,
      dispose: (pool, _origin, reason) => {
        if (reason === 'evict') void pool.close().catch(() => undefined);
      },
    });
  }

  async send(target: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const destination = this.#destination(target);
    if (typeof destination === 'string') return { ok: false, httpStatus: null, durationMs: elapsed(), snippet: destination };
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.timeoutMs);
    try {
      const response = await this.#pool(destination.origin).request({
        method: 'POST',
        path: destination.path,
        headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'tarspay-graphql-webhooks' },
        body,
        signal: deadline.signal,
      });
      const snippet = await readSnippet(response.body);
      const status = response.statusCode;
      return { ok: status >= 200 && status < 300, httpStatus: status, durationMs: elapsed(), snippet };
    } catch (error) {
      return { ok: false, httpStatus: null, durationMs: elapsed(), snippet: failureText(error, deadline.signal.aborted, this.timeoutMs) };
    } finally {
      clearTimeout(timer);
    }
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
      pool = new Pool(origin, this.#poolOptions);
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  close(): void {
    for (const pool of this.#pools.values()) void pool.destroy().catch(() => undefined);
    this.#pools.clear(); // disposes with reason 'delete': destroyed above
  }
}

import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { urlToHttpOptions } from 'node:url';
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

interface Destination {
  transport: typeof http | typeof https;
  /** Protocol, host, port and path, from the URL. */
  target: http.RequestOptions;
  agent: http.Agent;
}

/** A target's transport and agent; a string says why it is not sent to. */
function parseDestination(target: string, policy: WebhookUrlPolicy, agents: { 'http:': http.Agent; 'https:': https.Agent }): Destination | string {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return 'not a URL';
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  // An address literal is connected to without a lookup: check it here.
  if (isIP(host) && !policy.allowPrivate && isPrivateAddress(host)) return 'refused: a private, loopback or link-local address';
  if (url.protocol === 'https:') return { transport: https, target: urlToHttpOptions(url), agent: agents['https:'] };
  if (url.protocol === 'http:') return { transport: http, target: urlToHttpOptions(url), agent: agents['http:'] };
  return 'refused: not an http(s) URL';
}

/**
 * POSTs signed bodies to endpoints: keep-alive connections, one deadline for the whole exchange,
 * no redirects, and the address checked on connect (webhook-url.ts).
 */
export class WebhookSender {
  readonly #agents: { 'http:': http.Agent; 'https:': https.Agent };
  readonly #lookup;
  readonly #destinations = new Map<string, Destination | string>();

  constructor(
    private readonly policy: WebhookUrlPolicy,
    private readonly timeoutMs: number,
  ) {
    const options = { keepAlive: true, maxSockets: 32, timeout: timeoutMs };
    this.#agents = { 'http:': new http.Agent(options), 'https:': new https.Agent(options) };
    this.#lookup = safeLookup(policy);
  }

  send(target: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const failed = (snippet: string, httpStatus: number | null = null): SendResult => ({ ok: false, httpStatus, durationMs: elapsed(), snippet });
    const destination = this.#destination(target);
    if (typeof destination === 'string') return Promise.resolve(failed(destination));
    const { transport, target: where, agent } = destination;
    return new Promise<SendResult>((resolve) => {
      let settled = false;
      const finish = (result: SendResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        resolve(result);
      };
      const request = transport.request({
        ...where,
        method: 'POST',
        agent,
        lookup: this.#lookup,
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'tarspay-graphql-webhooks',
        },
      });
      const deadline = setTimeout(() => {
        finish(failed(`timeout: no complete answer within ${this.timeoutMs} ms`));
        request.destroy();
      }, this.timeoutMs);
      request.on('error', (error: NodeJS.ErrnoException) => {
        const why =
          error instanceof PrivateAddressError
            ? 'refused: the host resolves to a private, loopback or link-local address'
            : `no answer: ${error.code ?? error.name}`;
        finish(failed(why));
      });
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          if (read < SNIPPET_BYTES) chunks.push(chunk.subarray(0, SNIPPET_BYTES - read));
          read += chunk.length;
          if (read > DRAIN_BYTES) response.destroy();
        });
        const done = () => {
          const text = Buffer.concat(chunks).toString('utf8');
          finish({ ok: status >= 200 && status < 300, httpStatus: status, durationMs: elapsed(), snippet: text || null });
        };
        response.on('end', done);
        response.on('close', done);
      });
      request.end(body);
    });
  }

  /** Where a target URL goes, or why not (parsed once per URL: the endpoints' URLs are few). */
  #destination(target: string): Destination | string {
    let destination = this.#destinations.get(target);
    if (destination === undefined) {
      destination = parseDestination(target, this.policy, this.#agents);
      if (this.#destinations.size >= MAX_DESTINATIONS) this.#destinations.clear();
      this.#destinations.set(target, destination);
    }
    return destination;
  }

  close(): void {
    this.#agents['http:'].destroy();
    this.#agents['https:'].destroy();
  }
}

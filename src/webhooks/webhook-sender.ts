import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
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

/**
 * POSTs signed bodies to endpoints: keep-alive connections, one deadline for the whole exchange,
 * no redirects, and the address checked on connect (webhook-url.ts).
 */
export class WebhookSender {
  readonly #agents: { 'http:': http.Agent; 'https:': https.Agent };
  readonly #lookup;

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
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return Promise.resolve(failed('not a URL'));
    }
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    // An address literal is connected to without a lookup: check it here.
    if (isIP(host) && !this.policy.allowPrivate && isPrivateAddress(host)) return Promise.resolve(failed('refused: a private, loopback or link-local address'));
    const transport = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
    if (!transport) return Promise.resolve(failed('refused: not an http(s) URL'));
    return new Promise<SendResult>((resolve) => {
      let settled = false;
      const finish = (result: SendResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        resolve(result);
      };
      const request = transport.request(url, {
        method: 'POST',
        agent: this.#agents[url.protocol as 'http:' | 'https:'],
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

  close(): void {
    this.#agents['http:'].destroy();
    this.#agents['https:'].destroy();
  }
}

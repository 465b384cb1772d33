import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';

/** An answer's body beyond this is not TarsPay's: the call fails rather than buffer it. */
const ANSWER_LIMIT = 1024 * 1024;
/** Below Node's default server keep-alive (5 s): the pool drops an idle connection before a server would. */
const IDLE_TIMEOUT_MS = 4_000;

export interface PostAnswer {
  status: number;
  text: string;
}

/**
 * The call failed without an answer. `notSent`: the connection could not be made, so not one
 * byte of the request reached TarsPay (a create that never left). Anything else may have arrived.
 */
export class TransportError extends Error {
  override name = 'TransportError';
  constructor(
    message: string,
    readonly notSent: boolean,
    readonly timedOut: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * POSTs to TarsPay over kept-alive connections (one pool for every merchant of the gateway): no
 * TCP or TLS handshake per call, and it knows whether a request left before a failure.
 */
export class TarsPayTransport {
  readonly #base: URL;
  readonly #agent: HttpAgent;
  readonly #request: typeof httpRequest;

  constructor(baseUrl: string, options: { maxSockets?: number; idleTimeoutMs?: number } = {}) {
    this.#base = new URL(baseUrl.replace(/\/+$/, ''));
    const secure = this.#base.protocol === 'https:';
    // `timeout` closes a connection idle that long in the pool. Without it Node keeps idle sockets
    // forever (it only honours a server's `Keep-Alive: timeout=` hint when a timeout is set), and
    // reusing one the server is closing fails with ECONNRESET: for a create, an UNKNOWN order.
    const agentOptions = {
      keepAlive: true,
      maxSockets: options.maxSockets ?? 64,
      maxFreeSockets: 16,
      scheduling: 'lifo' as const,
      timeout: options.idleTimeoutMs ?? IDLE_TIMEOUT_MS,
    };
    this.#agent = secure ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    this.#request = secure ? httpsRequest : httpRequest;
  }

  post(path: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<PostAnswer> {
    return new Promise((resolve, reject) => {
      let connected = false;
      let settled = false;
      const fail = (message: string, timedOut: boolean, cause?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        // Never connected: a refused connection, or a timeout while still connecting. Either way nothing left.
        reject(new TransportError(message, !connected && (timedOut || isConnectFailure(cause)), timedOut, { cause }));
      };
      const req = this.#request(
        {
          protocol: this.#base.protocol,
          hostname: this.#base.hostname,
          port: this.#base.port,
          path: `${this.#base.pathname === '/' ? '' : this.#base.pathname}${path}`,
          method: 'POST',
          agent: this.#agent,
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > ANSWER_LIMIT) fail(`answer larger than ${ANSWER_LIMIT} bytes`, false);
            else chunks.push(chunk);
          });
          res.on('end', () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
          });
          res.on('error', (error) => fail(`connection failed (${describe(error)})`, false, error));
        },
      );
      const timer = setTimeout(() => fail(`no answer within ${timeoutMs} ms`, true), timeoutMs);
      req.on('socket', (socket: Socket) => {
        // A kept-alive socket is connected already; a new one once 'connect' fires.
        if (!socket.connecting) connected = true;
        else socket.once('connect', () => (connected = true));
      });
      req.on('error', (error) => fail(`connection failed (${describe(error)})`, false, error));
      req.end(body);
    });
  }

  /** Closes the kept-alive connections (at shutdown). */
  close(): void {
    this.#agent.destroy();
  }
}

/** Failures that happen before a connection exists. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function isConnectFailure(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined) return NOT_CONNECTED.has(code);
  // Happy Eyeballs (several addresses tried) wraps them in an AggregateError.
  const inner = (error as { errors?: Array<{ code?: string }> } | undefined)?.errors ?? [];
  return inner.length > 0 && inner.every((item) => item.code !== undefined && NOT_CONNECTED.has(item.code));
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code ?? (error instanceof Error ? error.message : 'unknown');
}

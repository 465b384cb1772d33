import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy between one gateway instance and the sandbox, that can stall and reset. Both act on
 * the gateway → sandbox direction only, before the sandbox has read a byte of what is held: a
 * stalled request reaches the sandbox late (or never, when the gateway gives up first), a reset one
 * never does. So the sandbox's ledger stays true: what it answered whole, the gateway received.
 */
export class TcpProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #stalledUntil = 0;
  #resetNext = 0;
  port = 0;

  /** Where it forwards to; may be set after it listens (before the first connection). */
  target = { host: '127.0.0.1', port: 0 };

  constructor(private readonly log: (message: string) => void = () => {}) {
    this.#server = createServer((client) => this.#accept(client));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as { port: number }).port;
    return this.port;
  }

  /** Holds every request byte sent from now for `ms` (connections opened meanwhile too). */
  stall(ms: number): void {
    this.#stalledUntil = Math.max(this.#stalledUntil, Date.now() + ms);
  }

  /** Resets the next `count` connections as they open, before a byte reaches the sandbox. */
  reset(count = 1): void {
    this.#resetNext += count;
  }

  heal(): void {
    this.#stalledUntil = 0;
    this.#resetNext = 0;
  }

  #accept(client: Socket): void {
    if (this.#resetNext > 0) {
      this.#resetNext -= 1;
      this.log('proxy reset a connection');
      client.resetAndDestroy();
      return;
    }
    this.#sockets.add(client);
    const upstream = connect(this.target.port, this.target.host);
    this.#sockets.add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.#sockets.delete(client);
      this.#sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const pending: Buffer[] = [];
    let flushing: NodeJS.Timeout | undefined;
    const flush = () => {
      flushing = undefined;
      const wait = this.#stalledUntil - Date.now();
      if (wait > 0) {
        flushing = setTimeout(flush, wait);
        return;
      }
      for (const chunk of pending.splice(0)) upstream.write(chunk);
    };
    client.on('data', (chunk: Buffer) => {
      pending.push(chunk);
      if (!flushing) flush();
    });
    client.on('close', () => clearTimeout(flushing));
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

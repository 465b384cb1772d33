import WebSocket from 'ws';

/**
 * `orderEvents` subscribers that come and go, as merchant backends on flaky networks do: each is
 * one WebSocket speaking graphql-transport-ws; `reconnect(n)` closes the n longest-connected and
 * opens n new ones, each resuming with `after` = the cursor of the last event it received (the
 * gateway replays what it missed, then goes live).
 */

const RESUMABLE_EVENTS = `subscription Soak($after: String) { orderEvents(after: $after) { cursor id status order { id status } } }`;

interface Subscriber {
  socket: WebSocket;
  cursor: string | null;
}

export class EventSubscribers {
  readonly #subscribers: Subscriber[] = [];
  events = 0;
  reconnects = 0;
  readonly errors: string[] = [];

  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  get size(): number {
    return this.#subscribers.length;
  }

  async open(count: number): Promise<void> {
    await Promise.all(Array.from({ length: count }, () => this.#openOne(null)));
  }

  /** Closes the `count` oldest subscribers and opens as many, each resuming after its predecessor's last cursor. */
  async reconnect(count: number): Promise<void> {
    const leaving = this.#subscribers.splice(0, count);
    for (const subscriber of leaving) subscriber.socket.close(1000);
    this.reconnects += leaving.length;
    await Promise.all(leaving.map((subscriber) => this.#openOne(subscriber.cursor)));
  }

  close(): void {
    for (const subscriber of this.#subscribers.splice(0)) subscriber.socket.close(1000);
  }

  #error(text: string): void {
    if (this.errors.length < 5) this.errors.push(text.slice(0, 300));
  }

  #openOne(after: string | null): Promise<void> {
    return new Promise((resolve) => {
      const socket = new WebSocket(`${this.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', { perMessageDeflate: false });
      const subscriber: Subscriber = { socket, cursor: after };
      const timer = setTimeout(() => {
        this.#error('no connection_ack within 30 s');
        socket.terminate();
        resolve();
      }, 30_000);
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${this.token}` } })));
      socket.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString('utf8')) as { type: string; payload?: { data?: { orderEvents?: { cursor: string } } } };
        if (message.type === 'next') {
          const cursor = message.payload?.data?.orderEvents?.cursor;
          if (cursor) {
            subscriber.cursor = cursor;
            this.events += 1;
          } else this.#error(JSON.stringify(message));
        } else if (message.type === 'connection_ack') {
          socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: RESUMABLE_EVENTS, variables: { after: subscriber.cursor } } }));
          this.#subscribers.push(subscriber);
          clearTimeout(timer);
          resolve();
        } else if (message.type === 'ping') {
          socket.send('{"type":"pong"}');
        } else if (message.type === 'error' || message.type === 'complete') {
          this.#error(JSON.stringify(message));
        }
      });
      socket.on('error', (error) => this.#error(String(error)));
      socket.on('close', (code, reason) => {
        clearTimeout(timer);
        if (code !== 1000 && code !== 1005) this.#error(`closed ${code} ${reason.toString()}`);
        resolve();
      });
    });
  }
}

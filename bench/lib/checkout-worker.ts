import { parentPort } from 'node:worker_threads';
import WebSocket from 'ws';
import { inLanes, monotonicMs } from './stats.js';

/**
 * Checkout pages in a worker thread: each is one WebSocket speaking graphql-transport-ws with one
 * `orderUpdated(id)` subscription on its own order, as one browser tab on a checkout page would.
 * A subscriber is ready once the order's snapshot (its first `next`) has come: the gateway listens
 * for changes before it reads the snapshot. The arrival of SUCCEEDED is stamped with the monotonic
 * clock all threads share (process.hrtime); the main thread later hands over its send times.
 */

type Command =
  | { type: 'connect'; url: string; token: string; query: string; orderIds: string[]; lanes: number }
  | { type: 'await'; orderIds: string[]; timeoutMs: number }
  | { type: 'report'; sent: Array<[string, number]>; warmup: string[] }
  | { type: 'close' };

interface Subscriber {
  socket: WebSocket;
  orderId: string;
  succeededAt?: number;
}

/** By order id: one subscriber per order. */
const subscribers = new Map<string, Subscriber>();
const problems: string[] = [];
/** `next` messages naming another order than the subscriber's own, and SUCCEEDED heard twice. */
let misrouted = 0;
let duplicates = 0;

function problem(text: string): void {
  if (problems.length < 5) problems.push(text.slice(0, 300));
}

function subscribe(url: string, token: string, query: string, orderId: string): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', { perMessageDeflate: false });
    const subscriber: Subscriber = { socket, orderId };
    let ready = false;
    const timer = setTimeout(() => reject(new Error(`order ${orderId}: no snapshot within 60 s`)), 60_000);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    socket.on('message', (data: Buffer) => {
      const at = monotonicMs();
      const message = JSON.parse(data.toString('utf8')) as { type: string; payload?: any };
      if (message.type === 'next') {
        const order = message.payload?.data?.orderUpdated as { id?: string; status?: string } | undefined;
        if (!order) return problem(`order ${orderId}: ${data.toString('utf8')}`);
        if (order.id !== orderId) misrouted += 1;
        else if (order.status === 'SUCCEEDED') {
          if (subscriber.succeededAt === undefined) subscriber.succeededAt = at;
          else duplicates += 1;
        }
        if (!ready) {
          ready = true;
          clearTimeout(timer);
          resolve(subscriber);
        }
      } else if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables: { id: orderId } } }));
      } else if (message.type === 'ping') {
        socket.send('{"type":"pong"}');
      } else if (message.type === 'error') {
        problem(`order ${orderId}: ${data.toString('utf8')}`);
        // Refused before its snapshot: this subscriber will never be ready.
        if (!ready) {
          clearTimeout(timer);
          reject(new Error(`order ${orderId}: subscription refused: ${data.toString('utf8').slice(0, 200)}`));
        }
      } else if (message.type === 'complete' && subscriber.succeededAt === undefined) {
        // orderUpdated completes once the order is settled: before SUCCEEDED, that is a lost update.
        problem(`order ${orderId}: completed before SUCCEEDED`);
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', (code, reason) => {
      if (code !== 1000 && code !== 1001) problem(`order ${orderId}: closed ${code} ${reason.toString()}`);
    });
  });
}

function arrived(orderIds: readonly string[]): number {
  let count = 0;
  for (const id of orderIds) if (subscribers.get(id)?.succeededAt !== undefined) count += 1;
  return count;
}

parentPort!.on('message', (command: Command) => {
  void (async () => {
    switch (command.type) {
      case 'connect': {
        await inLanes(command.orderIds, command.lanes, async (orderId) => {
          try {
            subscribers.set(orderId, await subscribe(command.url, command.token, command.query, orderId));
          } catch (error) {
            problem(String(error));
          }
        });
        parentPort!.postMessage({ type: 'connected', count: subscribers.size, problems });
        break;
      }
      case 'await': {
        // Only the orders this worker holds: the main thread asks every worker with the same list.
        const mine = command.orderIds.filter((id) => subscribers.has(id));
        const deadline = performance.now() + command.timeoutMs;
        while (arrived(mine) < mine.length && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        parentPort!.postMessage({ type: 'awaited', count: arrived(mine) });
        break;
      }
      case 'report': {
        const latencies: number[] = [];
        let missing = 0;
        const sent = new Set<string>(command.warmup);
        for (const [orderId, sentAt] of command.sent) {
          sent.add(orderId);
          const subscriber = subscribers.get(orderId);
          if (!subscriber) continue;
          if (subscriber.succeededAt === undefined) missing += 1;
          else latencies.push(subscriber.succeededAt - sentAt);
        }
        // A SUCCEEDED for an order nobody sent a callback for would be an update from nowhere.
        let unsent = 0;
        for (const subscriber of subscribers.values()) if (subscriber.succeededAt !== undefined && !sent.has(subscriber.orderId)) unsent += 1;
        const result = Float64Array.from(latencies);
        parentPort!.postMessage({ type: 'report', latencies: result, missing, misrouted, duplicates, unsent, problems }, [result.buffer]);
        break;
      }
      case 'close':
        for (const subscriber of subscribers.values()) subscriber.socket.close(1000);
        subscribers.clear();
        parentPort!.postMessage({ type: 'closed' });
        break;
    }
  })();
});

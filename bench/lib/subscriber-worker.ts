import { parentPort } from 'node:worker_threads';
import WebSocket from 'ws';
import { inLanes, monotonicMs } from './stats.js';

/**
 * Subscribers in a worker thread, off the callback sender's event loop: each is one WebSocket
 * speaking graphql-transport-ws (what graphql-ws clients speak), one subscription per connection,
 * as one browser tab would. Every `next` message is stamped on arrival with the monotonic clock
 * shared by all threads (process.hrtime), keyed by the merchantOrderNo it carries; the main thread
 * later hands over its send times and gets the latencies back.
 */

type Command =
  | { type: 'connect'; url: string; token: string; count: number; query: string; lanes: number }
  | { type: 'await'; key: string; timeoutMs: number }
  | { type: 'reset' }
  | { type: 'report'; sent: Array<[string, number]> }
  | { type: 'close' };

const KEY_MARKER = '"merchantOrderNo":"';

const sockets: WebSocket[] = [];
/** Arrival times per key, one entry per subscriber that got it. */
let arrivals = new Map<string, number[]>();
let protocolErrors: string[] = [];
const waiters = new Set<{ key: string; resolve: (count: number) => void }>();

function onNext(text: string, at: number): void {
  const start = text.indexOf(KEY_MARKER);
  if (start < 0) {
    if (protocolErrors.length < 5) protocolErrors.push(text.slice(0, 300));
    return;
  }
  const from = start + KEY_MARKER.length;
  const key = text.slice(from, text.indexOf('"', from));
  let list = arrivals.get(key);
  if (!list) arrivals.set(key, (list = []));
  list.push(at);
  if (waiters.size && list.length === sockets.length) {
    for (const waiter of waiters) if (waiter.key === key) waiter.resolve(list.length);
  }
}

function open(url: string, token: string, query: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', { perMessageDeflate: false });
    const timer = setTimeout(() => reject(new Error('no connection_ack within 30 s')), 30_000);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    socket.on('message', (data: Buffer) => {
      const at = monotonicMs();
      const text = data.toString('utf8');
      if (text.includes('"type":"next"')) return onNext(text, at);
      const message = JSON.parse(text) as { type: string; payload?: unknown };
      if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
        clearTimeout(timer);
        resolve(socket);
      } else if (message.type === 'ping') {
        socket.send('{"type":"pong"}');
      } else if (message.type === 'error' || message.type === 'complete') {
        if (protocolErrors.length < 5) protocolErrors.push(text.slice(0, 300));
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', (code, reason) => {
      if (code !== 1000 && code !== 1001 && protocolErrors.length < 5) protocolErrors.push(`closed ${code} ${reason.toString()}`);
    });
  });
}

parentPort!.on('message', (command: Command) => {
  void (async () => {
    switch (command.type) {
      case 'connect': {
        await inLanes(Array.from({ length: command.count }), command.lanes, async () => {
          sockets.push(await open(command.url, command.token, command.query));
        });
        parentPort!.postMessage({ type: 'connected', count: sockets.length, errors: protocolErrors });
        break;
      }
      case 'await': {
        const have = arrivals.get(command.key)?.length ?? 0;
        if (have >= sockets.length) {
          parentPort!.postMessage({ type: 'awaited', key: command.key, count: have });
          break;
        }
        const count = await new Promise<number>((resolve) => {
          const waiter = { key: command.key, resolve };
          waiters.add(waiter);
          setTimeout(() => resolve(arrivals.get(command.key)?.length ?? 0), command.timeoutMs);
        }).finally(() => {
          for (const waiter of waiters) if (waiter.key === command.key) waiters.delete(waiter);
        });
        parentPort!.postMessage({ type: 'awaited', key: command.key, count });
        break;
      }
      case 'reset':
        arrivals = new Map();
        protocolErrors = [];
        parentPort!.postMessage({ type: 'reset' });
        break;
      case 'report': {
        const latencies: number[] = [];
        let missing = 0;
        for (const [key, sentAt] of command.sent) {
          const list = arrivals.get(key) ?? [];
          missing += Math.max(0, sockets.length - list.length);
          for (const at of list) latencies.push(at - sentAt);
        }
        const result = Float64Array.from(latencies);
        parentPort!.postMessage({ type: 'report', latencies: result, missing, errors: protocolErrors }, [result.buffer]);
        break;
      }
      case 'close':
        for (const socket of sockets) socket.close(1000);
        sockets.length = 0;
        parentPort!.postMessage({ type: 'closed' });
        break;
    }
  })();
});

import WebSocket from 'ws';

export interface RawConnection {
  socket: WebSocket;
  /** Every message received, parsed. */
  messages: Array<{ id?: string; type: string; payload?: any }>;
  closed: Promise<{ code: number; reason: string }>;
  send(message: Record<string, unknown>): void;
  /** Resolves once a message matches (or the socket closes first: then rejects). */
  until(match: (message: { id?: string; type: string; payload?: any }) => boolean): Promise<void>;
}

/**
 * A bare graphql-transport-ws connection, to see the protocol as a client library would; sends
 * connection_init with `payload` when one is given.
 */
export function openRaw(baseUrl: string, payload?: Record<string, unknown>): Promise<RawConnection> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const messages: RawConnection['messages'] = [];
  const waiters = new Set<() => void>();
  let isClosed = false;
  socket.on('message', (data) => {
    messages.push(JSON.parse(String(data)));
    for (const wake of waiters) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => {
      isClosed = true;
      for (const wake of waiters) wake();
      resolve({ code, reason: String(reason) });
    }),
  );
  const connection: RawConnection = {
    socket,
    messages,
    closed,
    send: (message) => socket.send(JSON.stringify(message)),
    until: (match) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (messages.some(match)) {
            waiters.delete(check);
            resolve();
          } else if (isClosed) {
            waiters.delete(check);
            reject(new Error(`closed before the expected message; got ${JSON.stringify(messages)}`));
          }
        };
        waiters.add(check);
        check();
      }),
  };
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      if (payload) connection.send({ type: 'connection_init', payload });
      resolve(connection);
    });
    socket.once('error', reject);
  });
}

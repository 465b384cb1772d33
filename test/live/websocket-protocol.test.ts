import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

let t: TestGateway;
let token: string;

beforeAll(async () => {
  t = await startTestGateway({ env: { WS_KEEPALIVE_MS: '100' } });
  token = await t.token(await t.addMerchant('M-WS-PROTOCOL'));
});
afterAll(() => t.close());

/** A raw graphql-transport-ws connection, to see the protocol as a client library would. */
function connect(): Promise<{ socket: WebSocket; messages: Array<Record<string, unknown>>; closed: Promise<{ code: number; reason: string }> }> {
  const socket = new WebSocket(`${t.gateway.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
  const messages: Array<Record<string, unknown>> = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket, messages, closed }));
    socket.once('error', reject);
  });
}

const until = async (probe: () => boolean) => {
  for (let i = 0; i < 100 && !probe(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(probe()).toBe(true);
};

describe('graphql-ws protocol', () => {
  it('acknowledges the connection and pings to keep it alive', async () => {
    const { socket, messages } = await connect();
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    await until(() => messages.some((message) => message.type === 'connection_ack'));
    // Keep-alive uses WebSocket ping frames (the ws client answers pong by itself).
    let pings = 0;
    socket.on('ping', () => (pings += 1));
    await until(() => pings >= 2);
    expect(socket.readyState).toBe(WebSocket.OPEN);
    socket.close(1000);
  });

  it('closes with 4400 on a message outside the protocol', async () => {
    const bad = await connect();
    bad.socket.send('{"type":"nonsense"}');
    expect((await bad.closed).code).toBe(4400);
  });

  it('refuses a subscription before connection_init with 4401', async () => {
    const early = await connect();
    early.socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { orderEvents { status } }' } }));
    expect((await early.closed).code).toBe(4401);
  });
});

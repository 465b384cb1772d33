import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { readBody } from '../src/lib/read-body.js';

/**
 * The liveStatus floor: a raw `ws` broadcast, nothing else. It speaks just enough
 * graphql-transport-ws for the same subscribers (ack, remember the subscription), and on each
 * POST /broadcast (the same callback body the gateway gets) sends one frame, serialised once, of
 * the size the gateway sends, to every subscriber. No verification, no database, no GraphQL: what
 * fan-out costs on this machine when nothing else is done.
 */

const subscribers = new Set<WebSocket>();
const server = createServer((req, res) => {
  void (async () => {
    const read = await readBody(req, 64 * 1024);
    if (!read.ok) return void res.writeHead(413).end();
    const body = JSON.parse(read.body.toString('utf8')) as Record<string, unknown>;
    const now = new Date().toISOString();
    const frame = JSON.stringify({
      id: '1',
      type: 'next',
      payload: {
        data: {
          orderEvents: {
            id: 'T3JkZXJFdmVudDox',
            status: 'SUCCEEDED',
            previousStatus: 'CREATED',
            source: 'CALLBACK',
            applied: true,
            createdAt: now,
            order: {
              id: 'T3JkZXI6MDE5MzY0YjAtMDAwMC03MDAwLTgwMDAtMDAwMDAwMDAwMDAw',
              merchantOrderNo: body.mchOrderNo,
              status: 'SUCCEEDED',
              amount: body.orderAmount,
              paidAmount: body.payAmount,
              fee: body.fee,
              updatedAt: now,
            },
          },
        },
      },
    });
    for (const socket of subscribers) socket.send(frame);
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('OK');
  })();
});
const wss = new WebSocketServer({ server, path: '/graphql' });
wss.on('connection', (socket) => {
  socket.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString('utf8')) as { type: string };
    if (message.type === 'connection_init') socket.send('{"type":"connection_ack"}');
    else if (message.type === 'subscribe') subscribers.add(socket);
  });
  socket.on('close', () => subscribers.delete(socket));
});
server.listen(0, '127.0.0.1', () => {
  console.log(`BENCH_BROADCAST_READY http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.on('message', (message: { id: number; command: string; gc?: boolean }) => {
  if (message.command === 'memory') {
    if (message.gc) globalThis.gc?.();
    process.send!({ id: message.id, result: { rss: process.memoryUsage().rss, heapUsed: process.memoryUsage().heapUsed } });
  } else if (message.command === 'cpu') {
    process.send!({ id: message.id, result: process.cpuUsage() });
  }
});
const stop = () => {
  for (const socket of subscribers) socket.terminate();
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('disconnect', stop);

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The webhooks scenario's receiver, a merchant's backend in a process of its own (so that neither
 * the gateway's nor the raw sender's CPU includes it): answers every POST 200 at once and counts
 * them (all but those to /raw, the floor's); `GET /count` answers how many so far. Prints `BENCH_RECEIVER_READY <url>`.
 */
let received = 0;
const server = createServer((request, response) => {
  if (request.method === 'GET') {
    response.writeHead(200, { 'content-type': 'text/plain' }).end(String(received));
    return;
  }
  request.resume();
  request.on('end', () => {
    // The floor's raw POSTs (/raw) are answered alike and not counted: the count is the gateway's deliveries.
    if (request.url !== '/raw') received += 1;
    response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }).end('ok');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(`BENCH_RECEIVER_READY http://127.0.0.1:${(server.address() as AddressInfo).port}`));
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('disconnect', stop);

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { consumeOrderEvents, fileCursorStore, type OrderEventMessage } from '../../examples/event-consumer.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, collectionInput } from '../helpers/operations.js';
import { waitFor } from '../helpers/wait.js';

let t: TestGateway;
let token: string;
let directory: string;
let proxy: { url: string; cut(): void; close(): Promise<void> };

/** A TCP hop between the consumer and the gateway whose connections the test can cut, like a network drop. */
async function startProxy(target: URL): Promise<typeof proxy> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    const outbound = connect(Number(target.port), target.hostname);
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    cut: () => sockets.forEach((socket) => socket.destroy()),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

beforeAll(async () => {
  t = await startTestGateway();
  token = await t.token(await t.addMerchant('M-CONSUMER'));
  directory = await mkdtemp(join(tmpdir(), 'tpg-consumer-'));
  proxy = await startProxy(new URL(t.gateway.url));
});
afterAll(async () => {
  proxy.cut();
  await proxy?.close();
  await t?.close();
  await rm(directory, { recursive: true, force: true });
});

async function paidOrder(): Promise<string> {
  const order = (await t.graphql(token, COLLECTION_CREATE, { input: collectionInput() })).data!.collectionCreate.order as { id: string };
  const settled = await t.graphql(token, `mutation ($id: ID!) { sandboxOrderSettle(id: $id, outcome: SUCCEEDED) { userErrors { code } } }`, { id: order.id });
  expect(settled.data!.sandboxOrderSettle.userErrors).toEqual([]);
  return order.id;
}

async function committedCursors(): Promise<string[]> {
  const page = await t.graphql(token, `{ events(first: 100, filter: { includeIgnored: true }) { edges { cursor } } }`);
  return page.data!.events.edges.map((edge: { cursor: string }) => edge.cursor);
}

it('the typed example consumer saves its cursor and resumes from it: after a network drop and after a restart, every event once, in commit order', async () => {
  const store = fileCursorStore(join(directory, 'cursor'));
  const received: OrderEventMessage[] = [];
  const reconnects: number[] = [];
  const run = (signal: AbortSignal) =>
    consumeOrderEvents({
      url: proxy.url,
      token,
      store,
      signal,
      filter: { includeIgnored: true },
      onEvent: (event) => void received.push(event),
      onReconnect: (_reason, delayMs) => reconnects.push(delayMs),
    });

  await paidOrder(); // before the consumer's first start: not its business
  const before = await committedCursors();
  const firstRun = new AbortController();
  const running = run(firstRun.signal);
  // A first start saves the latest cursor before it subscribes: nothing committed after that is lost.
  await waitFor(async () => ((await store.load()) !== null ? true : undefined));
  const first = await paidOrder();
  await waitFor(() => (received.some((event) => event.order.id === first && event.status === 'SUCCEEDED') ? true : undefined));

  proxy.cut(); // the network drops; an order is paid meanwhile
  const duringDrop = await paidOrder();
  await waitFor(() => (received.some((event) => event.order.id === duringDrop && event.status === 'SUCCEEDED') ? true : undefined));
  expect(reconnects.length).toBeGreaterThanOrEqual(1);

  firstRun.abort(); // the consumer stops; two orders are paid while it is down
  await running;
  const whileStopped = [await paidOrder(), await paidOrder()];
  expect(await readFile(join(directory, 'cursor'), 'utf8')).toBe(received.at(-1)!.cursor);

  const secondRun = new AbortController();
  const resumed = run(secondRun.signal);
  const live = await paidOrder();
  const expected = (await committedCursors()).slice(before.length);
  await waitFor(() => (received.length >= expected.length ? true : undefined));
  await new Promise((resolve) => setTimeout(resolve, 200)); // anything extra would have arrived by now
  secondRun.abort();
  await resumed;

  expect(received.map((event) => event.cursor)).toEqual(expected);
  for (const id of [first, duringDrop, ...whileStopped, live]) {
    expect(received.filter((event) => event.order.id === id).map((event) => event.status)).toEqual(['SUBMITTING', 'CREATED', 'SUCCEEDED']);
  }
});

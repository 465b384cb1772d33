import { once } from 'node:events';
import { createConnection, createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { TarsPayClient } from '../../src/tarspay/client.js';
import { PrivateKey } from '../../src/tarspay/signer.js';
import { TarsPayTransport } from '../../src/tarspay/transport.js';

let sandbox: Sandbox;
const merchantKey = PrivateKey.generate();
const mchNo = 'M-TRANSPORT-TEST';
let sequence = 0;

/** A TCP pipe to the sandbox that counts the connections made through it and the ones the client closed. */
async function countingPipe(target: string): Promise<{ url: string; opened: () => number; closedByClient: () => number; close: () => Promise<void> }> {
  const { hostname, port } = new URL(target);
  let opened = 0;
  let closedByClient = 0;
  const server: Server = createServer((inbound) => {
    opened += 1;
    const outbound = createConnection({ host: hostname, port: Number(port) });
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('end', () => (closedByClient += 1));
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    opened: () => opened,
    closedByClient: () => closedByClient,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

beforeAll(async () => {
  sandbox = await startSandbox({
    host: '127.0.0.1',
    port: 0,
    merchants: [{ mchNo, publicKey: merchantKey.publicKeyHex, balance: '1000000' }],
    log: () => {},
  });
});
afterAll(() => sandbox.close());

function create(client: TarsPayClient) {
  sequence += 1;
  return client.createCollection({
    mchOrderNo: `TRN-${Date.now()}-${sequence}`,
    wayCode: 'BANK_BCA',
    amount: '150000',
    subject: 'Order',
    body: 'Two items',
    notifyUrl: 'http://127.0.0.1:9/tarspay/notify',
    returnUrl: 'https://merchant.example/return',
  });
}

describe('TarsPay transport: a keep-alive connection pool', () => {
  it('sends sequential calls over one connection, and concurrent ones over at most as many as were in flight', async () => {
    const pipe = await countingPipe(sandbox.url);
    const transport = new TarsPayTransport(pipe.url);
    const client = new TarsPayClient({
      baseUrl: pipe.url,
      merchantNo: mchNo,
      privateKey: merchantKey,
      platformPublicKey: sandbox.platformPublicKey,
      transport,
    });
    try {
      for (let call = 0; call < 10; call++) expect((await create(client)).status).toBe('CREATED');
      expect(pipe.opened()).toBe(1);
      for (let round = 0; round < 3; round++) await Promise.all(Array.from({ length: 8 }, () => create(client)));
      expect(pipe.opened()).toBeLessThanOrEqual(8);
      expect(pipe.closedByClient()).toBe(0);
    } finally {
      transport.close();
      await pipe.close();
    }
  });

  it('closes a connection idle longer than its idle timeout itself, before a server would, and opens a new one for the next call', async () => {
    const pipe = await countingPipe(sandbox.url);
    const transport = new TarsPayTransport(pipe.url, { idleTimeoutMs: 150 });
    const client = new TarsPayClient({
      baseUrl: pipe.url,
      merchantNo: mchNo,
      privateKey: merchantKey,
      platformPublicKey: sandbox.platformPublicKey,
      transport,
    });
    try {
      await create(client);
      await create(client);
      expect(pipe.opened()).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(pipe.closedByClient()).toBe(1);
      expect((await create(client)).status).toBe('CREATED');
      expect(pipe.opened()).toBe(2);
    } finally {
      transport.close();
      await pipe.close();
    }
  });
});

import { readFileSync } from 'node:fs';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { isCloseEvent, shouldRetry } from '../../examples/ws-retry.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

let t: TestGateway;
const clients: Client[] = [];

beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  for (const client of clients) await client.dispose();
  await t?.close();
});

/** The README's graphql-ws client (lazy, graphql-ws's default 5 retries), counting the sockets it opens. */
function readmeClient(token: string): { client: Client; opened: () => number } {
  let opened = 0;
  const client = createClient({
    url: `${t.gateway.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    shouldRetry,
    // No pause between attempts: were 4403 retried, the five reconnections would all happen here.
    retryWait: async () => {},
    on: { opened: () => (opened += 1) },
  });
  clients.push(client);
  return { client, opened: () => opened };
}

/** What the operation's sink gets first: its first result, or its error. */
function firstOutcome(client: Client, query: string): Promise<{ result?: unknown; error?: unknown }> {
  return new Promise((resolve) => {
    client.subscribe({ query }, { next: (result) => resolve({ result }), error: (error) => resolve({ error }), complete: () => resolve({}) });
  });
}

describe("the README's graphql-ws client", () => {
  it('is the code of examples/ws-retry.ts', () => {
    const readme = readFileSync('README.md', 'utf8');
    const example = readFileSync('examples/ws-retry.ts', 'utf8');
    for (const code of ["typeof event === 'object' && event !== null && 'code' in event && 'reason' in event", 'isCloseEvent(event) && event.code !== 4403']) {
      expect(example).toContain(code);
      expect(readme).toContain(code);
    }
    expect(readme).toContain('shouldRetry: (event) => isCloseEvent(event) && event.code !== 4403,');
    expect(readme).toContain('connectionParams: { authorization: `Bearer ${token}` },');
  });

  it('gives up at the first 4403: a bad token reaches the operation at once, after one connection', async () => {
    const { client, opened } = readmeClient(`tpg_${'A'.repeat(43)}`);
    const { error } = await firstOutcome(client, '{ paymentMethods { code } }');
    expect(isCloseEvent(error)).toBe(true);
    expect(error).toMatchObject({ code: 4403, reason: expect.stringMatching(/^Forbidden: /) });
    expect(opened()).toBe(1);
  });

  it('runs operations with a good token', async () => {
    const token = await t.token(await t.addMerchant('M-WS-RETRY-1'), ['orders:read']);
    const { client } = readmeClient(token);
    expect(await firstOutcome(client, '{ paymentMethods(type: QRIS) { code } }')).toEqual({ result: { data: { paymentMethods: [{ code: 'QRIS' }] } } });
  });

  it("keeps graphql-ws's default for everything else: other closes are retried, errors are fatal", () => {
    expect(shouldRetry({ code: 1001, reason: 'Going away' })).toBe(true);
    expect(shouldRetry({ code: 4499, reason: 'Terminated' })).toBe(true);
    expect(shouldRetry(new Error('connectionParams failed'))).toBe(false);
  });
});

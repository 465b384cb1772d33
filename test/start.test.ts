import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COLLECTION_CREATE, ORDER, SETTLE, collectionInput, payoutInput } from './helpers/operations.js';
import { persistedQuery, shippedHash } from './helpers/trusted-documents.js';
import { waitFor } from './helpers/wait.js';
import { NPM_START } from './helpers/spawned-gateway.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tpg-start-'));
let child: ChildProcess | undefined;

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** `npm start` with nothing configured: embedded PostgreSQL, the sandbox in process, a printed token. */
async function startZeroSetup(): Promise<{ url: string; token: string; demoLink: string; output: () => string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', DATA_DIR: dataDir, NODE_ENV: 'development', LOG_LEVEL: 'info' };
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'TARSPAY_BASE_URL', 'TARSPAY_MERCHANT_NO', 'TARSPAY_PRIVATE_KEY', 'TARSPAY_PLATFORM_PUBLIC_KEY'])
    delete env[name];
  child = spawn(process.execPath, NPM_START, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (chunk) => (output += String(chunk)));
  return new Promise((resolve, reject) => {
    child!.stdout!.on('data', (chunk) => {
      output += String(chunk);
      const url = /gateway on (http:\/\/localhost:\d+)/.exec(output)?.[1];
      const token = /Bearer (tpg_[A-Za-z0-9_-]+)/.exec(output)?.[1];
      const demoLink = /Demo checkout .*: (http:\/\/\S+)$/m.exec(output)?.[1];
      // The banner is written at once, pino's lines a moment later: wait for both.
      if (url && token && demoLink && /ready in \d+ ms/.test(output) && /"msg":"start phases: .*\n/.test(output))
        resolve({ url, token, demoLink, output: () => output });
    });
    child!.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
  });
}

describe('npm start with no configuration', () => {
  it('serves GraphiQL and takes a newcomer from a created to a settled order', async () => {
    const { url, token, demoLink, output } = await startZeroSetup();
    // How long the start took, and where the time went: one log line, phase by phase.
    expect(output()).toMatch(/^ {2}ready in \d+ ms$/m);
    const phaseLine = output()
      .split('\n')
      .map((line) => (line.startsWith('{') ? (JSON.parse(line) as { msg?: string; phases?: Record<string, number> }) : {}))
      .find((line) => line.msg?.startsWith('start phases: '));
    expect(Object.keys(phaseLine?.phases ?? {})).toEqual(
      expect.arrayContaining(['modules', 'config', 'database', 'code', 'sandbox', 'orm', 'migrations', 'graphql', 'listen', 'merchant', 'tokens']),
    );
    expect(phaseLine!.msg).toMatch(/^start phases: modules \d+ ms, config \d+ ms, .*database \d+ ms/);
    const graphiql = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await graphiql.text()).toMatch(/graphiql/i);

    const send = async (body: Record<string, unknown>, bearer: string) => {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
        body: JSON.stringify(body),
      });
      return (await response.json()) as { data: Record<string, any>; errors?: Array<{ extensions?: { code?: string } }> };
    };
    const graphql = (query: string, variables: Record<string, unknown>, bearer = token) => send({ query, variables }, bearer);
    // The demo link carries no token: the page asks the gateway's demo route to create the order,
    // and holds only that order's client secret, which reads and follows that order and nothing else.
    expect(demoLink).toBe(`${url}/demo`);
    expect(output()).not.toMatch(/demo\?token/);
    const demoOrder = await fetch(`${url}/demo/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ amount: '150000', method: 'QRIS' }),
    });
    expect(demoOrder.status).toBe(201);
    const { orderId, clientSecret } = (await demoOrder.json()) as { orderId: string; clientSecret: string };
    expect(clientSecret).toMatch(/^tpcs_/);
    const byHash = (operationName: string, variables: Record<string, unknown>) =>
      send({ ...persistedQuery(shippedHash(operationName)), variables }, clientSecret);
    expect((await byHash('DemoOrder', { id: orderId })).data.order.status).toBe('CREATED');
    expect((await byHash('CreatePayout', { input: payoutInput() })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await byHash('GetBalance', {})).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await byHash('CreateCollection', { input: collectionInput() })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const created = await graphql(COLLECTION_CREATE, { input: collectionInput({ method: 'QRIS' }) });
    const order = created.data.collectionCreate.order;
    expect(order.status).toBe('CREATED');
    expect(order.payData).toMatch(/^000201/);
    const settled = await graphql(SETTLE, { id: order.id, outcome: 'SUCCEEDED' });
    expect(settled.data.sandboxOrderSettle.order.status).toBe('SUCCEEDED');
    const events = await waitFor(async () => {
      const current = (await graphql(ORDER, { id: order.id })).data.order;
      return current.events.some((event: { source: string }) => event.source === 'CALLBACK' || event.source === 'SANDBOX') ? current.events : undefined;
    });
    expect(events.map((event: { status: string }) => event.status)).toEqual(['SUBMITTING', 'CREATED', 'SUCCEEDED']);
  }, 120_000); // a fresh clone's first start also builds the embedded database template
});

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeKeyEncryptionKey, keyIdOf } from '../../src/merchants/key-encryption.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { NPM_START } from '../helpers/spawned-gateway.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tpg-kek-start-'));
let database: TestDatabase;
const children: ChildProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase({ migrated: true });
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await database?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  /** stdout and stderr so far */
  output: () => string;
  /** Resolves with the exit code. */
  exited: Promise<number>;
}

/** `npm start`'s entry point in its own process, with no key-encryption key in its environment. */
function start(env: Record<string, string>): Started {
  const inherited: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(inherited)) if (/^(KEY_ENCRYPTION_KEY|TARSPAY_|REDIS_URL)/.test(name)) delete inherited[name];
  const child = spawn(process.execPath, NPM_START, {
    env: { ...inherited, PORT: '0', HOST: '127.0.0.1', DATABASE_URL: database.url, DATA_DIR: dataDir, LOG_LEVEL: 'warn', RECONCILE_INTERVAL_MS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout.on('data', (chunk) => (output += String(chunk)));
  child.stderr.on('data', (chunk) => (output += String(chunk)));
  const exited = once(child, 'exit').then(([code]) => Number(code));
  return { child, output: () => output, exited };
}

/** Waits for the start banner; fails with the output if the process exits first. */
async function banner(started: Started): Promise<string> {
  const ready = new Promise<string>((resolve) => {
    const check = () =>
      /gateway on http:\/\/localhost:\d+/.test(started.output()) && /Development token/.test(started.output()) ? resolve(started.output()) : undefined;
    started.child.stdout!.on('data', check);
    check();
  });
  const exited = started.exited.then((code) => {
    throw new Error(`the gateway exited with ${code}:\n${started.output()}`);
  });
  return Promise.race([ready, exited]);
}

async function stop(started: Started): Promise<void> {
  started.child.kill('SIGTERM');
  await started.exited;
}

describe('the key-encryption key at start', () => {
  it('production without one refuses to start, saying which variable to set', async () => {
    const started = start({ NODE_ENV: 'production' });
    expect(await started.exited).not.toBe(0);
    expect(started.output()).toMatch(/NODE_ENV=production needs KEY_ENCRYPTION_KEY \(or KEY_ENCRYPTION_KEY_FILE\)/);
    expect(started.output()).toMatch(/openssl rand -hex 32/);
  });

  it('development without one generates it under DATA_DIR, says so, and reuses it at the next start', async () => {
    const path = join(dataDir, 'key-encryption-key');
    const first = start({ NODE_ENV: 'development' });
    const output = await banner(first);
    expect(output).toContain(`generated a development key-encryption key in ${path} (mode 0600)`);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const keyId = keyIdOf(decodeKeyEncryptionKey(readFileSync(path, 'utf8'))!);
    expect(output).toContain(`encrypted with key-encryption key ${keyId} from development file`);
    await stop(first);

    // The sandbox merchant's key, encrypted with that file's key, is opened again at the next start.
    const second = start({ NODE_ENV: 'development' });
    const again = await banner(second);
    expect(again).toContain(`using the development key-encryption key in ${path}`);
    expect(again).toContain(`encrypted with key-encryption key ${keyId}`);
    expect(again).toMatch(/merchant: +M-SANDBOX-0001/);
    await stop(second);
  }, 120_000);
});

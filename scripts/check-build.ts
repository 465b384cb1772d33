/**
 * `npm run check:build` (CI, before `npm test`): the compiled build starts as a production install
 * runs it. Builds dist/, copies package.json, package-lock.json and dist/ into a temporary directory,
 * installs there with `npm ci --omit=dev` (no tsx, no TypeScript), then starts, each until /readyz
 * answers 200 (60 s at most):
 *
 *   1. `npm run migrate` (it runs dist/migrate.js when tsx is absent), then `node dist/main.js` with NODE_ENV=production, PUBLIC_URL, DATABASE_URL (a scratch database on its server),
 *      REDIS_URL when set, and TarsPay = `node dist/src/sandbox/main.js` (as docker-compose.yml runs them);
 *   2. `node dist/main.js` with zero setup (embedded database, sandbox in process).
 *
 * Without DATABASE_URL only the second. Any failure prints the process's output and exits 1.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort, stopChild } from '../bench/lib/processes.js';
import { createScratchDatabase, type ScratchDatabase } from '../src/db/scratch-database.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const READY_WITHIN_MS = 60_000;

// The development keys of docker-compose.yml (public there): they only pair the gateway with the sandbox.
const MERCHANT_NO = 'M-COMPOSE-0001';
const MERCHANT = {
  private: 'b489919d5047d27cc2878fd37c79c8e3d1e42d7e9869c423c3b23f2d14f0b656',
  public: '026c3b2ff210b703819ea708ca2e35651a0dfbfe475a330981e32fd3adf6beb62e',
};
const PLATFORM = {
  private: '01adc1b146faf5185b564c4e5d62b1923af4c966a80ad64407056a659d0c1849',
  public: '0277ca8286fa864886ff6da161e369f3a70bcfc2d369ab5d9595acfe659a6e3149',
};
// This check's own key-encryption key (docker-compose.yml commits none: it takes KEY_ENCRYPTION_KEY from the environment).
const KEY_ENCRYPTION_KEY = '5f1f2c36b766fad502659095200ba8c412a293a6bb650ef28e7d6a61c6882316';

/** Variables of this shell that would change what is checked. */
const CLEARED =
  /^(DATABASE_URL|REDIS_URL|TARSPAY_|SANDBOX_|KEY_ENCRYPTION_KEY|METRICS_|OTEL_|NODE_ENV$|PORT$|HOST$|PUBLIC_URL$|DATA_DIR$|GRAPHIQL|INTROSPECTION$)/;
const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !CLEARED.test(name))) as Record<string, string>;

class CheckFailed extends Error {}

/** Stops the check; `finally` blocks stop the processes and remove the temporary directory on the way out. */
function fail(message: string): never {
  throw new CheckFailed(message);
}

function run(command: string, args: string[], cwd: string): number {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd, stdio: 'inherit' });
  if (result.status !== 0) fail(`\`${command} ${args.join(' ')}\` exited with ${result.status ?? result.signal}`);
  return Math.round(performance.now() - started);
}

interface Started {
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

function start(dir: string, script: string, env: Record<string, string>): Started {
  const child = spawn(process.execPath, [script], { cwd: dir, env: { ...baseEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output = (output + chunk).slice(-20_000)));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output = (output + chunk).slice(-20_000)));
  return {
    child,
    output: () => output,
    stop: () => stopChild(child),
  };
}

/** Polls `url` until it answers 200; the ms it took since `since`. */
async function waitFor200(server: Started, url: string, since: number, name: string): Promise<number> {
  for (;;) {
    if (server.child.exitCode !== null) fail(`${name} exited (${server.child.exitCode}) before ${url} answered 200:\n${server.output().slice(-4000)}`);
    if (performance.now() - since > READY_WITHIN_MS) {
      await server.stop();
      fail(`${name}: ${url} did not answer 200 within ${READY_WITHIN_MS / 1000} s:\n${server.output().slice(-4000)}`);
    }
    const status = await fetch(url).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return Math.round(performance.now() - since);
    await sleep(100);
  }
}

async function checkWithPostgres(dir: string, databaseServer: string): Promise<void> {
  const database: ScratchDatabase = await createScratchDatabase(databaseServer, 'tpg_check_build');
  const [sandboxPort, port] = [await freePort(), await freePort()];
  const sandbox = start(dir, 'dist/src/sandbox/main.js', {
    SANDBOX_HOST: '127.0.0.1',
    SANDBOX_PORT: String(sandboxPort),
    SANDBOX_MERCHANTS: `${MERCHANT_NO}:${MERCHANT.public}`,
    SANDBOX_PLATFORM_PRIVATE_KEY: PLATFORM.private,
  });
  let gateway: Started | undefined;
  try {
    const sandboxMs = await waitFor200(sandbox, `http://127.0.0.1:${sandboxPort}/sandbox/health`, performance.now(), 'node dist/src/sandbox/main.js');
    console.log(`check:build: node dist/src/sandbox/main.js answered /sandbox/health in ${sandboxMs} ms`);
    const productionEnv = { NODE_ENV: 'production', DATABASE_URL: database.url, KEY_ENCRYPTION_KEY };
    const migrate = spawnSync('npm', ['run', '--silent', 'migrate'], { cwd: dir, env: { ...baseEnv, ...productionEnv }, encoding: 'utf8' });
    if (migrate.status !== 0) fail(`npm run migrate (production install) exited with ${migrate.status}:\n${migrate.stdout}${migrate.stderr}`);
    console.log(`check:build: npm run migrate (production install): ${migrate.stdout.trim().split('\n').length} line(s), ok`);
    const started = performance.now();
    gateway = start(dir, 'dist/main.js', {
      NODE_ENV: 'production',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: database.url,
      ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
      KEY_ENCRYPTION_KEY,
      TARSPAY_BASE_URL: `http://127.0.0.1:${sandboxPort}`,
      TARSPAY_SANDBOX: 'true',
      TARSPAY_MERCHANT_NO: MERCHANT_NO,
      TARSPAY_PRIVATE_KEY: MERCHANT.private,
      TARSPAY_PLATFORM_PUBLIC_KEY: PLATFORM.public,
    });
    const ms = await waitFor200(gateway, `http://127.0.0.1:${port}/readyz`, started, 'node dist/main.js (production, DATABASE_URL)');
    console.log(
      `check:build: node dist/main.js (NODE_ENV=production, DATABASE_URL${process.env.REDIS_URL ? ', REDIS_URL' : ''}) answered /readyz 200 in ${ms} ms`,
    );
  } finally {
    await gateway?.stop();
    await sandbox.stop();
    await database.drop();
  }
}

async function checkZeroSetup(dir: string): Promise<void> {
  const port = await freePort();
  const started = performance.now();
  const gateway = start(dir, 'dist/main.js', { HOST: '127.0.0.1', PORT: String(port), DATA_DIR: join(dir, '.data') });
  try {
    const ms = await waitFor200(gateway, `http://127.0.0.1:${port}/readyz`, started, 'node dist/main.js (zero setup)');
    console.log(`check:build: node dist/main.js (zero setup: embedded database, sandbox in process) answered /readyz 200 in ${ms} ms`);
  } finally {
    await gateway.stop();
  }
}

async function main(): Promise<void> {
  console.log(
    `check:build: load average ${loadavg()
      .map((load) => load.toFixed(2))
      .join(' ')}`,
  );
  const buildMs = run('npm', ['run', 'build'], ROOT);
  const dir = mkdtempSync(join(tmpdir(), 'tpg-check-build-'));
  try {
    for (const file of ['package.json', 'package-lock.json', '.npmrc']) if (existsSync(join(ROOT, file))) copyFileSync(join(ROOT, file), join(dir, file));
    cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
    const installMs = run('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], dir);
    for (const devOnly of ['tsx', 'typescript', 'vitest']) {
      if (existsSync(join(dir, 'node_modules', devOnly))) fail(`npm ci --omit=dev installed ${devOnly}: it is a devDependency`);
    }
    console.log(`check:build: built in ${buildMs} ms, production install (npm ci --omit=dev) in ${installMs} ms`);
    if (process.env.DATABASE_URL) await checkWithPostgres(dir, process.env.DATABASE_URL);
    else console.log('check:build: DATABASE_URL is not set: the PostgreSQL start is skipped');
    await checkZeroSetup(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('check:build: ok');
}

main().catch((error: unknown) => {
  console.error(
    `check:build FAILED: ${error instanceof CheckFailed ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(1);
});

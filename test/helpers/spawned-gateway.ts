import { spawn, type ChildProcess } from 'node:child_process';

/** What `npm start` runs after `node` (the test run's global setup has transpiled src/ for it). */
export const NPM_START = ['scripts/start.mjs'];

export interface SpawnedGateway {
  child: ChildProcess;
  url: string;
  output: string[];
}

/** The gateway as users run it (`npm start`'s entry point), in its own process; `env` on top of this process's. */
export async function spawnGateway(env: Record<string, string>): Promise<SpawnedGateway> {
  const child = spawn(process.execPath, NPM_START, {
    env: { ...process.env, NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stderr.on('data', (chunk) => output.push(String(chunk)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output.push(String(chunk));
      const match = /gateway on (http:\/\/localhost:\d+)/.exec(output.join(''));
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}: ${output.join('')}`)));
  });
  return { child, url, output };
}

export interface GatewayProcess {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output: () => string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/**
 * `npm start`'s entry point in its own process with exactly `env` on top of PATH and HOME-like
 * basics: none of this shell's gateway variables (DATABASE_URL, TARSPAY_*, KEY_ENCRYPTION_KEY…) leak in.
 */
const running = new Set<ChildProcess>();

/** Kills every process runGatewayProcess started that is still running (for afterAll: a failed test may leave one). */
export function killGatewayProcesses(): void {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

export function runGatewayProcess(env: Record<string, string>): GatewayProcess {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(DATABASE_URL|REDIS_URL|TARSPAY_|SANDBOX_|KEY_ENCRYPTION_KEY|PUBLIC_URL|DATA_DIR|NODE_ENV|PORT|HOST|GRAPHIQL|METRICS_|OTEL_)/.test(name),
    ),
  );
  const child = spawn(process.execPath, NPM_START, {
    env: { ...inherited, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', RECONCILE_INTERVAL_MS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stdout.on('data', (chunk) => (output += String(chunk)));
  child.stderr.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  return { child, output: () => output, exited };
}

/** Resolves with the output once it matches `pattern`; rejects with the output if the process exits first. */
export function outputMatching(started: GatewayProcess, pattern: RegExp): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const check = () => (pattern.test(started.output()) ? resolve(started.output()) : undefined);
    started.child.stdout!.on('data', check);
    started.child.stderr!.on('data', check);
    check();
    void started.exited.then((code) => reject(new Error(`the gateway exited with ${code} before ${pattern}:\n${started.output()}`)));
  });
}

/** Stops the process (SIGTERM, then waits for its exit). */
export async function stopGatewayProcess(started: GatewayProcess): Promise<void> {
  if (started.child.exitCode === null && started.child.signalCode === null) started.child.kill('SIGTERM');
  await started.exited;
}

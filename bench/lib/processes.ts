import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

/** Child processes of the bench: started with tsx, stopped by their own pid, never by name. */

/**
 * A port free on 127.0.0.1 right now, for a child process to listen on (scripts/check-build.ts uses
 * it too). It is picked below Linux's ephemeral range (32768 and up), from which outgoing
 * connections and port-0 listeners take theirs: none of them can take it before the child listens,
 * nor while a killed child is restarted on it.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await isFree(port)) return port;
  }
  throw new Error('no free port between 20000 and 32000 on 127.0.0.1');
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
      .once('error', () => resolve(false))
      .listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** SIGTERM, then SIGKILL if `child` has not exited 10 s later; resolves once it has exited (at once if it already had). scripts/check-build.ts uses it too. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export const PROJECT_DIR = fileURLToPath(new URL('../../', import.meta.url));

export interface Child {
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Spawns `node --import tsx <script>`; resolves with the first stdout line matching `ready`. */
export async function startTsx(options: {
  script: string;
  env: Record<string, string>;
  ready: RegExp;
  ipc?: boolean;
  nodeArgs?: string[];
  timeoutMs?: number;
  name: string;
}): Promise<{ child: Child; match: RegExpMatchArray }> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', options.script], {
    cwd: PROJECT_DIR,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
  });
  const stderr: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr.push(chunk);
    if (stderr.length > 50) stderr.shift();
  });
  const lines = createInterface({ input: child.stdout! });
  const stop = () => stopChild(child);
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${options.name} did not start within ${options.timeoutMs ?? 60_000} ms`)), options.timeoutMs ?? 60_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      void stop();
      reject(new Error(`${error.message}\n${stderr.join('').slice(-3000)}`));
    };
    lines.on('line', (line) => {
      const found = line.match(options.ready);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    child.once('exit', (code, signal) => fail(new Error(`${options.name} exited (${code ?? signal}) before it was ready`)));
  });
  // Keep draining stdout (log lines) so the child never blocks on a full pipe.
  child.stdout!.resume();
  return { child: { process: child, stop }, match };
}

/** Request/answer over the IPC channel of a child started with `ipc: true`. */
export class IpcPeer {
  #next = 0;
  readonly #pending = new Map<number, { resolve: (value: any) => void; reject: (error: Error) => void }>();

  constructor(readonly child: ChildProcess) {
    child.on('message', (message: { id: number; result?: unknown; error?: string }) => {
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id);
      if (message.error) pending.reject(new Error(message.error));
      else pending.resolve(message.result);
    });
  }

  call<T = unknown>(command: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = ++this.#next;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.child.send({ id, command, ...args });
    });
  }
}

/** CPU time (user + system, all threads) a process has used so far, in ms; NaN where /proc is missing. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of /proc/PID/stat, in clock ticks (100 a second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Memory once garbage is collected and the heap has had a moment to give pages back. */
export async function settledMemory(memory: (gc: boolean) => Promise<{ rss: number; heapUsed: number }>): Promise<{ rss: number; heapUsed: number }> {
  await memory(true);
  await new Promise((resolve) => setTimeout(resolve, 500));
  return memory(true);
}

/** Waits (at most `timeoutMs`) until process `pid` uses under a tenth of a core over 250 ms. */
export async function awaitQuiet(pid: number, timeoutMs = 15_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const before = processCpuMs(pid);
    await new Promise((resolve) => setTimeout(resolve, 250));
    if (!(processCpuMs(pid) - before > 25)) return;
  }
}

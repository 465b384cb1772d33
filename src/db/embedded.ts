import { once } from 'node:events';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * The embedded PostgreSQL: PGlite (PostgreSQL compiled to WebAssembly, in this process, on a
 * thread of its own: embedded-thread.mjs) behind pglite-socket, so the ordinary `pg` driver and
 * MikroORM talk to it over TCP on 127.0.0.1.
 *
 * Rules that come with it:
 * - **Pool size ≤ maxConnections.** The socket server refuses connections past `maxConnections`
 *   (the pool sees ECONNRESET). Leave a few spare for `npm run cli` and `npm run migrate`, which
 *   reach a running gateway's database through `server.json` (see below).
 * - **Queries run one at a time.** While a transaction is open on one connection, statements from
 *   other connections wait for it to end. Never wait inside a transaction for a query on another
 *   connection: with PGlite that is a deadlock (real PostgreSQL would allow it). A connection's
 *   extended-protocol exchange (Parse … Sync) is kept whole too (embedded-queue.mjs).
 * - **One session for every connection.** Session state is shared: advisory locks exclude nobody
 *   (migrateUp relies on the one-transaction-at-a-time rule instead), `SET` and prepared statements
 *   are everyone's, and a connection waiting for a lock another holds is not in `pg_locks`: it
 *   waits in the socket server's queue.
 * - **One process per data directory.** PGlite cannot share its files. While running with a
 *   `dataDir`, it writes `<dataDir>/server.json` ({ url, pid }) so other processes connect to this
 *   one instead of opening the files a second time; `close()` removes it.
 *
 * For development and tests, not production. Startup: well under a second. initdb takes 5–20 s, so a new
 * database (in memory, or in an empty dataDir) is copied from a template of a freshly initialised
 * one, cached in `node_modules/.cache/tarspay-graphql/` (embedded-template.mjs: made by `npm install`,
 * or else by the first start that lacks it).
 *
 * Memory: PostgreSQL's `shared_buffers` (128 MB from initdb) lives in this process's WebAssembly
 * heap and is touched at start, so it is set to SHARED_BUFFERS here: a development database
 * holds little. Durability settings are PGlite's own and left as they are.
 */
export interface EmbeddedPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  url: string;
  close(): Promise<void>;
  /**
   * With `resettable`: brings the database back to how it started (see embedded-thread.mjs), so
   * the next user skips a new start. False when it could not (a connection still open, or the
   * schema or a table that started with rows changed): close it then.
   */
  reset(): Promise<boolean>;
}

export interface EmbeddedPostgresOptions {
  /** Where the database files live; undefined keeps everything in memory. */
  dataDir?: string;
  /** Concurrent connections the socket server accepts (default 20). */
  maxConnections?: number;
  /** For a new database: copy the cached template instead of running initdb (default true). */
  useTemplate?: boolean;
  /** For a new database: copy this `dumpDataDir` tarball instead of the cached template (tests: a migrated one). */
  templatePath?: string;
  /** Records the state at start so that reset() can return to it (tests: one database per worker, reset between files). */
  resettable?: boolean;
}

export interface ServerInfo {
  url: string;
  pid: number;
  startedAt: string;
}

export const DEFAULT_MAX_CONNECTIONS = 20;
/** PostgreSQL's buffer cache: 128 MB would cost that much resident memory at every start (measured). */
export const SHARED_BUFFERS = '16MB';
const SERVER_FILE = 'server.json';

export function serverInfoPath(dataDir: string): string {
  return join(resolve(dataDir), SERVER_FILE);
}

/** The `server.json` of `dataDir`, or undefined when absent or unreadable. Does not check liveness. */
export function readServerInfo(dataDir: string): ServerInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(serverInfoPath(dataDir), 'utf8')) as Partial<ServerInfo>;
    if (typeof info.url === 'string' && typeof info.pid === 'number') {
      return { url: info.url, pid: info.pid, startedAt: String(info.startedAt ?? '') };
    }
  } catch {
    // absent or half-written: as good as absent
  }
  return undefined;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, just not ours to signal
  }
}

function canConnect(url: string, timeoutMs = 1000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((done) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

/**
 * The running embedded server of `dataDir` when its `server.json` names a live process that
 * accepts connections; a stale file (crashed process) is removed and undefined returned.
 */
export async function findRunningServer(dataDir: string): Promise<ServerInfo | undefined> {
  const info = readServerInfo(dataDir);
  if (!info) return undefined;
  if (isProcessAlive(info.pid) && (await canConnect(info.url))) return info;
  rmSync(serverInfoPath(dataDir), { force: true });
  return undefined;
}

/**
 * Takes `<dataDir>/server.lock` (our pid) for as long as the database is open: two processes
 * starting at the same moment cannot both open the files. A lock left by a dead process is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  const lockPath = join(dataDir, 'server.lock');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      return () => rmSync(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
      if (Number.isInteger(holder) && isProcessAlive(holder)) {
        const who = holder === process.pid ? 'this process' : `process ${holder}`;
        throw new Error(`the embedded database in ${dataDir} is already open in ${who}: use its URL (DATABASE_URL) or stop it first`, { cause: error });
      }
      rmSync(lockPath, { force: true }); // left by a process that died
    }
  }
  throw new Error(`cannot lock ${lockPath}: another process keeps taking it`);
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  if (dataDir !== undefined) {
    const running = await findRunningServer(dataDir);
    if (running) {
      throw new Error(
        `the embedded database in ${dataDir} is already open in process ${running.pid} (${running.url}): ` +
          'connect to that URL (DATABASE_URL) or stop that process first',
      );
    }
    mkdirSync(dataDir, { recursive: true });
  }
  const releaseLock = dataDir === undefined ? () => {} : lockDataDir(dataDir);

  let thread: Worker | undefined;
  let url: string;
  try {
    // execArgv []: the thread runs plain JavaScript, without the tsx loader this process may have.
    const starting = new Worker(new URL('./embedded-thread.mjs', import.meta.url), {
      execArgv: [],
      workerData: {
        dataDir,
        maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
        useTemplate: options.useTemplate !== false || options.templatePath !== undefined,
        templatePath: options.templatePath,
        sharedBuffers: SHARED_BUFFERS,
        resettable: options.resettable === true,
      },
    });
    thread = starting;
    url = await new Promise<string>((done, fail) => {
      starting.once('error', fail);
      starting.once('exit', (code) => fail(new Error(`the embedded database's thread stopped (exit code ${code}) before it was ready`)));
      starting.once('message', (message: { url?: string; failed?: string }) => (message.url ? done(message.url) : fail(new Error(message.failed))));
    });
    // From now on an error of the thread is this process's: unhandled, as PGlite's own were.
    starting.removeAllListeners('error').removeAllListeners('exit');
  } catch (error) {
    await thread?.terminate();
    releaseLock();
    throw error;
  }
  const running = thread;

  if (dataDir !== undefined) {
    const info: ServerInfo = { url, pid: process.pid, startedAt: new Date().toISOString() };
    writeFileSync(serverInfoPath(dataDir), `${JSON.stringify(info, null, 2)}\n`);
  }

  let closing: Promise<void> | undefined;
  return {
    url,
    async reset() {
      if (closing) return false;
      const answered = once(running, 'message') as Promise<[{ reset?: boolean }]>;
      running.postMessage('reset');
      const [answer] = await answered;
      return answer.reset === true;
    },
    close() {
      closing ??= (async () => {
        if (dataDir !== undefined && readServerInfo(dataDir)?.pid === process.pid) {
          rmSync(serverInfoPath(dataDir), { force: true });
        }
        const closed = once(running, 'message');
        running.postMessage('close');
        await closed;
        await running.terminate();
        releaseLock();
      })();
      return closing;
    },
  };
}

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { freePort, PROJECT_DIR } from '../bench/lib/processes.js';
import { SCOPES } from '../src/auth/scopes.js';
import { hashToken, TOKEN_PREFIX } from '../src/auth/tokens.js';
import { createScratchDatabase, type ScratchDatabase } from '../src/db/scratch-database.js';
import { PrivateKey } from '../src/tarspay/signer.js';
import { TcpProxy } from './tcp-proxy.js';

/**
 * The chaos run's processes: a scratch database, a redis-server of its own (so that it can be
 * stopped and hung without disturbing anyone: REDIS_URL is not used), the TarsPay sandbox, N gateway
 * instances each behind a TcpProxy to the sandbox, and a callback balancer that hands TarsPay's
 * callbacks to a live instance (as a load balancer in front of the gateways would).
 */

export const MCH_NO = 'M1700000777';

/** Short reconciliation settings, so that a 20 s run can heal. Some are read only by newer gateways. */
export const GATEWAY_TIMINGS: Readonly<Record<string, string>> = {
  TARSPAY_TIMEOUT_MS: '5000',
  // The sandbox's expiry (SANDBOX_ORDER_EXPIRY_MS), for orders the gateway learns by inquiry.
  TARSPAY_COLLECTION_EXPIRY_MS: '6000',
  RECONCILE_INTERVAL_MS: '500',
  RECONCILE_RESEND_AFTER_MS: '4000',
  PAYOUT_RESEND_WINDOW_MS: '60000',
  ATTENTION_AFTER_MS: '15000',
  RECONCILE_FIRST_CHECK_MS: '2000',
  RECONCILE_OPEN_CHECK_MS: '4000',
  RECONCILE_AFTER_EXPIRY_MS: '1000',
  RECONCILE_BACKOFF_FIRST_MS: '1000',
  RECONCILE_BACKOFF_MAX_MS: '4000',
  LATE_PAYMENT_WINDOW_MS: '60000',
  ATTENTION_EXPIRY_GRACE_MS: '15000',
  ATTENTION_PAYOUT_PROCESSING_MS: '20000',
  REDIS_COOL_OFF_MS: '2000',
  WEBHOOK_RETRY_FIRST_MS: '200',
  WEBHOOK_RETRY_MAX_DELAY_MS: '1000',
};

export const SANDBOX_TIMINGS: Readonly<Record<string, string>> = {
  SANDBOX_ORDER_EXPIRY_MS: '6000',
  SANDBOX_CALLBACK_RETRY_MS: '300',
  SANDBOX_CALLBACK_RETRY_MAX_MS: '2000',
  SANDBOX_NONCE_WINDOW_MS: '0',
};

/** How long past its window an order may sit unsettled before it must be flagged (invariant 5). */
export const WINDOWS_MS = {
  unknown: Number(GATEWAY_TIMINGS.ATTENTION_AFTER_MS),
  expiryGrace: Number(GATEWAY_TIMINGS.ATTENTION_EXPIRY_GRACE_MS),
  payoutProcessing: Number(GATEWAY_TIMINGS.ATTENTION_PAYOUT_PROCESSING_MS),
};

/**
 * How late a flag may land after its window ends: reconciliation checks the order at the window's
 * end, in the first pass after it (one starts RECONCILE_INTERVAL_MS after the last ended), and a
 * pass takes some time. Invariant 5 judges the orders as they were this long before they were read.
 */
export const FLAG_LATENESS_MS = 2 * Number(GATEWAY_TIMINGS.RECONCILE_INTERVAL_MS) + 1_000;

type Log = (message: string) => void;

interface Started {
  child: ChildProcess;
  exited: Promise<unknown>;
  /** The ready line's match. */
  match: RegExpMatchArray;
}

/** Every child spawned and not yet exited, for the last-resort kill at exit. */
const children = new Set<ChildProcess>();

/** On a busy machine a tsx process can take over a minute to load. */
const START_TIMEOUT_MS = 180_000;

/** Spawns a child with its output in `logFile`; resolves once a stdout line matches `ready` (killed if it does not in time). */
async function spawnReady(options: {
  command: string;
  args: string[];
  env: Record<string, string>;
  ready: RegExp;
  log: WriteStream;
  name: string;
}): Promise<Started> {
  const child = spawn(options.command, options.args, { cwd: PROJECT_DIR, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const exited = once(child, 'exit').finally(() => children.delete(child));
  child.stderr.on('data', (chunk: Buffer) => options.log.write(chunk));
  const lines = createInterface({ input: child.stdout });
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${options.name} did not start within ${START_TIMEOUT_MS / 1000} s (see its log)`));
    }, START_TIMEOUT_MS);
    lines.on('line', (line) => {
      options.log.write(`${line}\n`);
      const found = options.ready.exec(line);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited (${child.exitCode ?? child.signalCode}) before it was ready (see its log)`));
    });
  });
  return { child, exited, match };
}

async function stopStarted(started: Started | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!started || started.child.exitCode !== null || started.child.signalCode !== null) return;
  started.child.kill('SIGCONT');
  started.child.kill(signal);
  const timer = setTimeout(() => started.child.kill('SIGKILL'), 5_000);
  await started.exited;
  clearTimeout(timer);
}

export interface GatewayInstance {
  index: number;
  url: string;
  proxy: TcpProxy;
  /** False while killed. */
  up: boolean;
}

export class Cluster {
  readonly gateways: GatewayInstance[] = [];
  readonly #gatewayProcesses = new Map<number, Started>();
  #redis: Started | undefined;
  #redisPort = 0;
  #sandbox: Started | undefined;
  #balancer: Server | undefined;
  #database: ScratchDatabase | undefined;
  #logs = new Map<string, WriteStream>();
  sandboxUrl = '';
  databaseUrl = '';
  token = '';
  readonly #keyEncryptionKey = randomBytes(32).toString('hex');
  readonly #platformKey = PrivateKey.generate();
  readonly #merchantKey = PrivateKey.generate();
  #balancerUrl = '';
  #closing: Promise<void> | undefined;

  constructor(
    private readonly options: {
      serverUrl: string;
      instances: number;
      logDir: string;
      /**
       * How TarsPay's answers are trusted: `strict` with a sandbox that signs its inquiries too, or
       * the default `log` with inquiries unsigned, as TarsPay's document shows them.
       */
      responseSign: 'strict' | 'log';
    },
    private readonly log: Log,
  ) {}

  #logFile(name: string): WriteStream {
    let stream = this.#logs.get(name);
    if (!stream) this.#logs.set(name, (stream = createWriteStream(`${this.options.logDir}/${name}.log`, { flags: 'a' })));
    return stream;
  }

  /**
   * Everything at once where it can be (on a busy machine each tsx process takes seconds to load):
   * the gateways migrate one after the other under their advisory lock, and reach the sandbox
   * through their proxies, which learn its port once it listens.
   */
  async start(): Promise<void> {
    const [database] = await Promise.all([createScratchDatabase(this.options.serverUrl, 'tpg_chaos'), this.#startRedis(), this.#startBalancer()]);
    this.#database = database;
    this.databaseUrl = database.url;
    for (let index = 0; index < this.options.instances; index += 1) {
      const proxy = new TcpProxy();
      await proxy.listen();
      this.gateways.push({ index, url: `http://127.0.0.1:${await freePort()}`, proxy, up: false });
    }
    const sandbox = this.#startSandbox().then(() => {
      for (const gateway of this.gateways) gateway.proxy.target.port = Number(new URL(this.sandboxUrl).port);
    });
    const gateways = this.gateways.map((gateway) => this.startGateway(gateway.index, 1));
    await Promise.race(gateways);
    await Promise.all([sandbox, this.#createToken(), ...gateways]);
  }

  async #startRedis(): Promise<void> {
    this.#redisPort = await freePort();
    await this.restartRedis();
  }

  /** Starts (again) the run's redis-server, empty, on its port. */
  async restartRedis(): Promise<void> {
    this.#redis = await spawnReady({
      name: 'redis-server',
      command: '/usr/bin/redis-server',
      args: ['--port', String(this.#redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      env: {},
      ready: /Ready to accept connections/,
      log: this.#logFile('redis'),
    });
  }

  async killRedis(): Promise<void> {
    await stopStarted(this.#redis, 'SIGKILL');
  }

  hangRedis(): void {
    this.#redis?.child.kill('SIGSTOP');
  }

  resumeRedis(): void {
    this.#redis?.child.kill('SIGCONT');
  }

  async #startSandbox(): Promise<void> {
    const stream = this.#logFile('sandbox');
    this.#sandbox = await spawnReady({
      name: 'sandbox',
      command: process.execPath,
      args: ['--import', 'tsx', 'src/sandbox/main.ts'],
      env: {
        SANDBOX_PORT: '0',
        SANDBOX_HOST: '127.0.0.1',
        SANDBOX_PLATFORM_PRIVATE_KEY: this.#platformKey.revealHex(),
        SANDBOX_MERCHANTS: `${MCH_NO}:${this.#merchantKey.publicKeyHex}`,
        SANDBOX_INITIAL_BALANCE: '900000000000000',
        SANDBOX_SIGN_INQUIRIES: String(this.options.responseSign === 'strict'),
        ...SANDBOX_TIMINGS,
      },
      ready: /listening on (http:\/\/\S+)/,
      log: stream,
    });
    this.sandboxUrl = this.#sandbox.match[1]!;
  }

  /** Hands TarsPay's callbacks to a live gateway instance, another one when the first does not answer. */
  async #startBalancer(): Promise<void> {
    this.#balancer = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const live = this.gateways.filter((gateway) => gateway.up);
        const target = live[Math.floor(Math.random() * live.length)];
        if (!target) {
          res.writeHead(503).end('no gateway up');
          return;
        }
        const forward = request(`${target.url}${req.url}`, { method: req.method, headers: req.headers, agent: false, timeout: 10_000 }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        forward.on('timeout', () => forward.destroy(new Error('timeout')));
        forward.on('error', () => {
          if (!res.headersSent) res.writeHead(502).end('gateway unreachable');
          else res.destroy();
        });
        forward.end(body);
      });
    });
    await new Promise<void>((resolve) => this.#balancer!.listen(0, '127.0.0.1', resolve));
    this.#balancerUrl = `http://127.0.0.1:${(this.#balancer.address() as { port: number }).port}`;
  }

  #gatewayEnv(gateway: GatewayInstance): Record<string, string> {
    return {
      NODE_ENV: 'production',
      KEY_ENCRYPTION_KEY: this.#keyEncryptionKey,
      PORT: new URL(gateway.url).port,
      HOST: '127.0.0.1',
      PUBLIC_URL: this.#balancerUrl,
      LOG_LEVEL: 'info',
      DATABASE_URL: this.databaseUrl,
      REDIS_URL: `redis://127.0.0.1:${this.#redisPort}`,
      TARSPAY_BASE_URL: `http://127.0.0.1:${gateway.proxy.port}`,
      TARSPAY_MERCHANT_NO: MCH_NO,
      TARSPAY_PRIVATE_KEY: this.#merchantKey.revealHex(),
      TARSPAY_PLATFORM_PUBLIC_KEY: this.#platformKey.publicKeyHex,
      TARSPAY_RESPONSE_SIGN: this.options.responseSign,
      // The sandbox is reached through the run's own proxies on loopback.
      TARSPAY_ALLOW_HTTP: 'true',
      RATE_LIMIT_TOKEN_PER_SECOND: '0',
      RATE_LIMIT_MERCHANT_PER_SECOND: '0',
      WS_MAX_CONNECTIONS_PER_TOKEN: '0',
      METRICS_PORT: '',
      OTEL_SDK_DISABLED: 'true',
      // The run's webhook receiver is on loopback, over http.
      WEBHOOK_ALLOW_PRIVATE: 'true',
      ...GATEWAY_TIMINGS,
    };
  }

  /** Starts the instance (again, on its port); `retries`: starts tried again after it exits before it is ready. */
  async startGateway(index: number, retries = 0): Promise<void> {
    const gateway = this.gateways[index]!;
    const started = await spawnReady({
      name: `gateway ${index}`,
      command: process.execPath,
      args: ['--import', 'tsx', 'src/main.ts'],
      env: this.#gatewayEnv(gateway),
      ready: /GraphQL gateway on /,
      log: this.#logFile(`gateway-${index}`),
    }).catch((error: unknown) => {
      if (retries <= 0 || this.#closing) throw error;
      this.log(`gateway ${index} did not start (${(error as Error).message}); starting it again`);
      return undefined;
    });
    if (!started) return this.startGateway(index, retries - 1);
    this.#gatewayProcesses.set(index, started);
    gateway.up = true;
  }

  /** kill -9. */
  async killGateway(index: number): Promise<void> {
    const gateway = this.gateways[index]!;
    gateway.up = false;
    await stopStarted(this.#gatewayProcesses.get(index), 'SIGKILL');
  }

  /** A token with every scope for the configured merchant (which the first gateway up registered), written as `npm run cli -- token create` would. */
  async #createToken(): Promise<void> {
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const client = new pg.Client({ connectionString: this.databaseUrl });
    await client.connect();
    try {
      const inserted = await client.query(
        `insert into api_tokens (id, merchant_id, name, token_hash, scopes)
         select gen_random_uuid(), id, 'chaos', $2, $3 from merchants where mch_no = $1`,
        [MCH_NO, hashToken(token), [...SCOPES]],
      );
      if (inserted.rowCount !== 1) throw new Error(`merchant ${MCH_NO} is not in the database: the gateway did not register it`);
    } finally {
      await client.end();
    }
    this.token = token;
  }

  /** Cuts every connection the gateways hold to the scratch database. Returns how many. */
  async cutPostgres(): Promise<number> {
    const name = new URL(this.databaseUrl).pathname.slice(1);
    const client = new pg.Client({ connectionString: this.options.serverUrl });
    await client.connect();
    try {
      const result = await client.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
      return result.rowCount ?? 0;
    } finally {
      await client.end();
    }
  }

  /** Stops everything it started and drops the scratch database; safe to call twice. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const child of children)
        if (![...this.#gatewayProcesses.values(), this.#sandbox, this.#redis].some((started) => started?.child === child)) child.kill('SIGKILL');
      await Promise.all([...this.#gatewayProcesses.values()].map((started) => stopStarted(started)));
      for (const gateway of this.gateways) await gateway.proxy.close().catch(() => {});
      await new Promise<void>((resolve) => (this.#balancer ? this.#balancer.close(() => resolve()) : resolve()));
      this.#balancer?.closeAllConnections();
      await stopStarted(this.#sandbox);
      await stopStarted(this.#redis, 'SIGKILL');
      await this.#database?.drop().catch((error: unknown) => this.log(`could not drop the scratch database: ${(error as Error).message}`));
      for (const stream of this.#logs.values()) stream.end();
    })();
    return this.#closing;
  }

  /** Synchronous last resort (process exit): SIGKILL every child still running, started or starting. */
  killAll(): void {
    for (const child of children) {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    }
  }
}

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDatabase } from '../lib/environment.js';
import { PROJECT_DIR, freePort, processCpuMs, stopChild } from '../lib/processes.js';
import { median, round, sleep } from '../lib/stats.js';

/**
 * Startup as a user meets it: `npm start` runs `node scripts/start.mjs` (src/ transpiled once into
 * .cache/start/, then run), so each start here spawns it the same way, with nothing configured but
 * a free port and a temporary DATA_DIR, and times it from spawn until both /healthz answers and the
 * process printed `ready in N ms`. RSS is the gateway process's own, read a second after that. The
 * floor: a minimal graphql-yoga server with one query (bench/startup-floor.ts), started through the
 * tsx CLI in the same rounds; `tsx_zero_setup_ms` is the gateway started that way too. Rounds alternate floor, zero setup, PostgreSQL, so a busy moment of the machine hits all three.
 * The compiled build (`npm run build`, run first) is started as `npm run start:prod` runs it,
 * `node dist/main.js`, in the same rounds, with the same DATA_DIR and database: the compiled_* figures.
 */

export interface StartupResult {
  runs: number;
  date: string;
  /** The machine's 1-minute load average before and after the runs: every figure grows with it, the floor's too. */
  load_average: [number, number];
  /** `npm start`, zero setup, the embedded database already there (created by a start before the runs). */
  zero_setup_ms: number;
  /** The same with DATABASE_URL (a fresh database, migrated by a start before the runs). */
  postgres_ms: number;
  /** A minimal graphql-yoga server, one query, started the same way. */
  floor_ms: number;
  zero_setup_rss_mb: number;
  postgres_rss_mb: number;
  floor_rss_mb: number;
  zero_setup_ratio: number;
  postgres_ratio: number;
  zero_setup_rss_ratio: number;
  postgres_rss_ratio: number;
  /** CPU time (all threads) the server process used until ready: less sensitive than wall time to a busy machine. */
  zero_setup_cpu_ms: number;
  postgres_cpu_ms: number;
  floor_cpu_ms: number;
  /** The very first zero-setup start, from an empty DATA_DIR: the embedded database copied from the template `npm install` made (as on a fresh clone), every migration applied. */
  zero_setup_first_ms: number;
  zero_setup_first_rss_mb: number;
  /** Where the PostgreSQL start's server was: DATABASE_URL's, or the embedded one in a process of its own. */
  postgres_server: string;
  /** Median of each phase of the zero-setup starts, from the gateway's `start phases` log line. */
  zero_setup_phases_ms: Record<string, number>;
  postgres_phases_ms: Record<string, number>;
  /** The zero-setup start through the tsx CLI (`tsx src/main.ts`, what `npm start` ran before scripts/start.mjs). */
  tsx_zero_setup_ms: number;
  /** The same starts with the compiled build: `node dist/main.js` (`npm run start:prod`), no tsx. */
  compiled_zero_setup_ms: number;
  compiled_postgres_ms: number;
  compiled_zero_setup_rss_mb: number;
  compiled_postgres_rss_mb: number;
  compiled_zero_setup_cpu_ms: number;
  compiled_postgres_cpu_ms: number;
  compiled_zero_setup_phases_ms: Record<string, number>;
  compiled_postgres_phases_ms: Record<string, number>;
}

interface StartMeasure {
  ms: number;
  cpuMs: number;
  rssMb: number;
  phases: Record<string, number>;
}

const TSX_CLI = join(PROJECT_DIR, 'node_modules', 'tsx', 'dist', 'cli.mjs');
/** What `npm start` runs. */
const NPM_START = 'scripts/start.mjs';
/** `npm run start:prod`'s entry, written by `npm run build`. */
const COMPILED = 'dist/main.js';
/** Variables a user starting with zero setup would not have set. */
const CLEARED =
  /^(DATABASE_URL|REDIS_URL|TARSPAY_|KEY_ENCRYPTION_KEY|METRICS_|NODE_ENV$|PORT$|HOST$|PUBLIC_URL$|DATA_DIR$|GRAPHIQL|INTROSPECTION$|RATE_LIMIT_|RECONCILE_|LOG_LEVEL$)/;

function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** Spawns `tsx <script>` (`node <script>` for a .js or .mjs one), waits until /healthz answers and `ready in` is printed; stops it again. */
async function measureStart(script: string, env: Record<string, string>): Promise<StartMeasure> {
  const compiled = /\.m?js$/.test(script);
  const port = await freePort();
  const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !CLEARED.test(name))) as Record<string, string>;
  const started = performance.now();
  const child = spawn(process.execPath, compiled ? [script] : [TSX_CLI, script], {
    cwd: PROJECT_DIR,
    env: { ...cleanEnv, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  try {
    let healthy = false;
    while (!healthy || !/ready in \d+ ms/.test(output)) {
      if (child.exitCode !== null) throw new Error(`${script} exited (${child.exitCode}) before it was ready:\n${output.slice(-3000)}`);
      if (performance.now() - started > 60_000) throw new Error(`${script} was not ready within 60 s:\n${output.slice(-3000)}`);
      if (!healthy)
        healthy = await fetch(`http://127.0.0.1:${port}/healthz`).then(
          (response) => response.ok,
          () => false,
        );
      if (!healthy || !/ready in \d+ ms/.test(output)) await sleep(10);
    }
    const ms = performance.now() - started;
    // The tsx CLI runs the script in a child process of its own: that one is the server.
    const server = compiled ? child.pid! : (childPids(child.pid!)[0] ?? child.pid!);
    const cpuMs = processCpuMs(server);
    await sleep(1000);
    const phases = /"phases":(\{[^}]*\})/.exec(output)?.[1];
    return { ms, cpuMs, rssMb: rssMb(server), phases: phases ? (JSON.parse(phases) as Record<string, number>) : {} };
  } finally {
    await stopChild(child);
  }
}

function medianPhases(measures: StartMeasure[]): Record<string, number> {
  const names = [...new Set(measures.flatMap((measure) => Object.keys(measure.phases)))];
  return Object.fromEntries(names.map((name) => [name, median(measures.map((measure) => measure.phases[name] ?? 0))]));
}

export async function runStartup(options: { runs: number; log: (message: string) => void }): Promise<StartupResult> {
  const zeroSetupDir = mkdtempSync(join(tmpdir(), 'tpg-bench-start-'));
  const postgresDir = mkdtempSync(join(tmpdir(), 'tpg-bench-start-pg-'));
  const date = new Date().toISOString();
  const loadBefore = round(loadavg()[0]!, 2);
  options.log('startup: npm run build (the compiled build: node dist/main.js)');
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: PROJECT_DIR, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
  // A PostgreSQL database for the DATABASE_URL start: a scratch one on DATABASE_URL's server, else an embedded one in its own process.
  const database = await startDatabase('tpg_bench_start');
  try {
    const zeroSetup = { DATA_DIR: zeroSetupDir };
    const postgres = { DATA_DIR: postgresDir, DATABASE_URL: database.url };
    options.log('startup: first zero-setup start (creates the embedded database), first PostgreSQL start (migrates)');
    const first = await measureStart(NPM_START, zeroSetup);
    await measureStart(NPM_START, postgres);
    await measureStart('src/main.ts', zeroSetup); // tsx's transform cache
    await measureStart('bench/startup-floor.ts', {}); // tsx's transform cache, as after any first start
    await measureStart(COMPILED, zeroSetup); // the files of dist/ in the page cache, as after any first start
    const floorRuns: StartMeasure[] = [];
    const zeroRuns: StartMeasure[] = [];
    const postgresRuns: StartMeasure[] = [];
    const compiledZeroRuns: StartMeasure[] = [];
    const compiledPostgresRuns: StartMeasure[] = [];
    const tsxZeroRuns: StartMeasure[] = [];
    for (let pass = 1; pass <= options.runs; pass += 1) {
      options.log(`startup: round ${pass}/${options.runs}`);
      floorRuns.push(await measureStart('bench/startup-floor.ts', {}));
      zeroRuns.push(await measureStart(NPM_START, zeroSetup));
      postgresRuns.push(await measureStart(NPM_START, postgres));
      tsxZeroRuns.push(await measureStart('src/main.ts', zeroSetup));
      compiledZeroRuns.push(await measureStart(COMPILED, zeroSetup));
      compiledPostgresRuns.push(await measureStart(COMPILED, postgres));
    }
    const ms = (runs: StartMeasure[]) => round(median(runs.map((run) => run.ms)), 0);
    const mb = (runs: StartMeasure[]) => round(median(runs.map((run) => run.rssMb)), 1);
    const cpu = (runs: StartMeasure[]) => round(median(runs.map((run) => run.cpuMs)), 0);
    const result = {
      runs: options.runs,
      date,
      load_average: [loadBefore, round(loadavg()[0]!, 2)] as [number, number],
      zero_setup_ms: ms(zeroRuns),
      postgres_ms: ms(postgresRuns),
      floor_ms: ms(floorRuns),
      zero_setup_rss_mb: mb(zeroRuns),
      postgres_rss_mb: mb(postgresRuns),
      floor_rss_mb: mb(floorRuns),
    };
    return {
      ...result,
      zero_setup_ratio: round(result.zero_setup_ms / result.floor_ms, 2),
      postgres_ratio: round(result.postgres_ms / result.floor_ms, 2),
      zero_setup_rss_ratio: round(result.zero_setup_rss_mb / result.floor_rss_mb, 2),
      postgres_rss_ratio: round(result.postgres_rss_mb / result.floor_rss_mb, 2),
      zero_setup_cpu_ms: cpu(zeroRuns),
      postgres_cpu_ms: cpu(postgresRuns),
      floor_cpu_ms: cpu(floorRuns),
      zero_setup_first_ms: round(first.ms, 0),
      zero_setup_first_rss_mb: round(first.rssMb, 1),
      postgres_server: database.kind === 'postgresql' ? 'PostgreSQL (DATABASE_URL)' : 'embedded PGlite in a process of its own',
      zero_setup_phases_ms: medianPhases(zeroRuns),
      postgres_phases_ms: medianPhases(postgresRuns),
      tsx_zero_setup_ms: ms(tsxZeroRuns),
      compiled_zero_setup_ms: ms(compiledZeroRuns),
      compiled_postgres_ms: ms(compiledPostgresRuns),
      compiled_zero_setup_rss_mb: mb(compiledZeroRuns),
      compiled_postgres_rss_mb: mb(compiledPostgresRuns),
      compiled_zero_setup_cpu_ms: cpu(compiledZeroRuns),
      compiled_postgres_cpu_ms: cpu(compiledPostgresRuns),
      compiled_zero_setup_phases_ms: medianPhases(compiledZeroRuns),
      compiled_postgres_phases_ms: medianPhases(compiledPostgresRuns),
    };
  } finally {
    await database.drop();
    rmSync(zeroSetupDir, { recursive: true, force: true });
    rmSync(postgresDir, { recursive: true, force: true });
  }
}

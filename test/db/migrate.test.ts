import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/tarspay/signer.js';
import { runCli } from '../helpers/cli.js';

/** `npm run migrate` and `npm run cli` without DATABASE_URL: one embedded database, DATA_DIR/pglite, found through src/config.ts. */

const projectDir = fileURLToPath(new URL('../../', import.meta.url));
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
const dataDir = mkdtempSync(join(tmpdir(), 'tpg-migrate-'));

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** This process's environment with DATA_DIR, and without the database and key variables `env` does not set. */
function environment(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const inherited: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, ...env };
  for (const name of ['DATABASE_URL', 'KEY_ENCRYPTION_KEY', 'KEY_ENCRYPTION_KEY_FILE']) if (!(name in env)) delete inherited[name];
  return inherited;
}

function run(script: string, env: Record<string, string | undefined>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const inherited = environment(env);
  return new Promise((done) => {
    execFile(process.execPath, [tsxCli, script, ...args], { cwd: projectDir, env: inherited, timeout: 60_000 }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run migrate', () => {
  // Two tsx processes, each opening the embedded database: tens of seconds on a loaded 2-core machine.
  // The CLI runs in this process (test/cli/cli.test.ts runs it as a process too).
  it('migrates DATA_DIR/pglite without DATABASE_URL, and the CLI uses that same database', async () => {
    const first = await run('src/db/migrate.ts', {});
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/the embedded database: applied Migration/);
    expect(existsSync(join(dataDir, 'pglite', 'PG_VERSION'))).toBe(true);

    const { privateKey, publicKey } = generateKeyPair();
    const add = await runCli(environment({}), 'merchant', 'add', '--mch-no', 'M-MIGRATE', '--private-key', privateKey, '--platform-public-key', publicKey);
    expect(add.code, add.stderr).toBe(0);
    const list = await runCli(environment({}), 'merchant', 'list');
    expect(list.stdout).toMatch(/^M-MIGRATE /m);

    const again = await run('src/db/migrate.ts', {});
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/up to date, no migration to apply/);
  }, 120_000);

  it('names a bad variable before it opens any database', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'tpg-migrate-bad-'));
    try {
      const [bad, url] = await Promise.all([
        run('src/db/migrate.ts', { DATA_DIR: elsewhere, KEY_ENCRYPTION_KEY: 'too-short-a-key' }),
        run('src/db/migrate.ts', { DATABASE_URL: 'mysql://db/tarspay' }),
      ]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/^migrate failed: invalid configuration:\s+KEY_ENCRYPTION_KEY: must be 32 bytes/);
      expect(bad.stderr).not.toContain('too-short-a-key');
      expect(existsSync(join(elsewhere, 'pglite'))).toBe(false);
      expect(url.code).toBe(1);
      expect(url.stderr).toMatch(/DATABASE_URL: must be a postgres:\/\/ URL/);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  }, 60_000);
});

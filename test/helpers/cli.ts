import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { runCli as runCliInProcess } from '../../src/cli/run-cli.js';

export const projectDir = fileURLToPath(new URL('../../', import.meta.url));
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `npm run cli -- …` in this process (the CLI's own entry point, src/cli/run-cli.ts, with `env` over
 * this process's and its output captured): a command costs what it does, not a process start-up.
 * spawnCli runs the same as its own process.
 */
export async function runCli(env: Record<string, string | undefined>, ...args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCliInProcess(args, {
    env: { ...process.env, ...env },
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

/** `npm run cli -- …` as its own process, without npm's start-up cost: `tsx src/cli/main.ts …` in the project, with `env` over this process's. */
export function spawnCli(env: Record<string, string | undefined>, ...args: string[]): Promise<CliRun> {
  return new Promise((done) =>
    execFile(
      process.execPath,
      [tsxCli, 'src/cli/main.ts', ...args],
      { cwd: projectDir, env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

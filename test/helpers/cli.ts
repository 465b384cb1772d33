import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const projectDir = fileURLToPath(new URL('../../', import.meta.url));
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run cli -- …` without npm's start-up cost: `tsx src/cli/main.ts …` in the project, with `env` over this process's. */
export function runCli(env: Record<string, string | undefined>, ...args: string[]): Promise<CliRun> {
  return new Promise((done) =>
    execFile(
      process.execPath,
      [tsxCli, 'src/cli/main.ts', ...args],
      { cwd: projectDir, env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

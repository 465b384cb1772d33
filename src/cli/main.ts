import { runCli } from './run-cli.js';

/** `npm run cli -- <command> [options]` (see src/cli/run-cli.ts). */
process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });

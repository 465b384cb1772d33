import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const projectDir = fileURLToPath(new URL('../', import.meta.url));

/** The only files that may read the environment: the gateway's configuration and the sandbox's. */
const READERS = ['src/config.ts', 'src/sandbox/config.ts'];

/** `process.env`, `process['env']` and `const { env } = process`. */
const READS_ENVIRONMENT = /\bprocess\s*(\.\s*env\b|\[\s*['"`]env['"`]\s*\])|\{[^}]*\benv\b[^}]*\}\s*=\s*(globalThis\.)?process\b/;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

describe('configuration has one reader', () => {
  it(`nothing in src/ (nor codegen.ts) reads process.env but ${READERS.join(' and ')}`, () => {
    const files = [...filesUnder(join(projectDir, 'src')), join(projectDir, 'codegen.ts')].map((path) => relative(projectDir, path));
    expect(files).toEqual(expect.arrayContaining([...READERS, 'src/main.ts', 'src/cli/main.ts', 'src/db/migrate.ts', 'src/sandbox/main.ts']));
    const readers = files.filter((file) => READS_ENVIRONMENT.test(readFileSync(join(projectDir, file), 'utf8')));
    expect(readers.sort(), 'read configuration through src/config.ts (SANDBOX_*: src/sandbox/config.ts)').toEqual([...READERS].sort());
  });

  it('the pattern finds each way of reading the environment', () => {
    for (const text of ['process.env.X', "process['env']", 'const { env } = process;', 'const { argv, env: e } = globalThis.process']) {
      expect(READS_ENVIRONMENT.test(text), text).toBe(true);
    }
    expect(READS_ENVIRONMENT.test('const environment = parseEnvironment(env);')).toBe(false);
  });
});

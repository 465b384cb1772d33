import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * `npm run build` (scripts/build.mjs) compiles src/ and migrations/ into dist/ with rootDir ".", so a
 * path built from import.meta.url resolves the same under tsx and under node, provided the file it
 * names is in dist/ too. `npm run check:build` (CI) starts the build; this checks cheaply that every
 * such path is one the build ships.
 */
const SHIPPED = [
  { what: 'compiled', covers: (path: string) => path.startsWith('migrations/') },
  { what: 'copied: every file of src/ but TypeScript and Markdown', covers: (path: string) => path.startsWith('src/') && !/\.(ts|md)$/.test(path) },
  { what: 'copied: the typed client operations', covers: (path: string) => path.startsWith('examples/operations/') },
];
/** Read by development commands only (`npm run schema:print`), never by `node dist/main.js`. */
const DEVELOPMENT_ONLY = new Set(['src/schema/print.ts']);

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(directory, entry.name)) : entry.name.endsWith('.ts') ? [join(directory, entry.name)] : [],
  );
}

describe('npm run build', () => {
  it('compiles src/ and migrations/ with the project root as rootDir into dist/, and starts dist/main.js', () => {
    const config = JSON.parse(readFileSync('tsconfig.build.json', 'utf8')) as { extends: string; compilerOptions: Record<string, unknown>; include: string[] };
    expect(config.extends).toBe('./tsconfig.json');
    expect(config.compilerOptions).toMatchObject({ noEmit: false, outDir: 'dist', rootDir: '.' });
    expect(config.include.sort()).toEqual(['migrations', 'src']);
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    expect(manifest.scripts.build).toBe('node scripts/build.mjs');
    expect(manifest.scripts['start:prod']).toBe('node dist/main.js');
    expect(manifest.scripts.start).toBe('node scripts/start.mjs');
  });

  it('ships every file a module of src/ reads next to itself', () => {
    const paths = sourceFiles('src').flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/new URL\('([^']+)', import\.meta\.url\)/g)].map((match) => ({
        file,
        path: relative('.', join(dirname(file), match[1]!)) + (match[1]!.endsWith('/') ? '/' : ''),
      })),
    );
    expect(paths.length).toBeGreaterThan(5);
    for (const { file, path } of paths) {
      if (DEVELOPMENT_ONLY.has(file)) continue;
      expect(
        SHIPPED.some((rule) => rule.covers(path)),
        `${file} reads ${path}, which dist/ does not have: ship it in scripts/build.mjs`,
      ).toBe(true);
    }
  });
});

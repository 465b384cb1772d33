// `npm start`: the gateway from src/, as plain JavaScript. src/ and migrations/ are transpiled by
// esbuild (what tsx does file by file, in the module loader, at every start) into .cache/start/
// (by `npm install` first), again only when a file there changed; then the gateway runs in this process.
// Stack traces point into src/ (source maps). `npm run start:prod` runs the type-checked build.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RUNTIME_FILES } from './runtime-files.mjs';

/** The TypeScript to transpile; beside it, RUNTIME_FILES are copied. */
const TRANSPILED = ['src', 'migrations'];

function walk(root, dir, files) {
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(root, path, files);
    else files.push(path);
  }
  return files;
}

/**
 * Transpiles `root`'s sources into `out` unless `out` was made from exactly these files (their
 * paths, sizes and modification times) by this script as it is (an edit to how it transpiles
 * builds again too). Returns true when it built. The new tree is made beside
 * `out` and renamed into place, so a start never runs half of one.
 */
export async function ensureTranspiled(root, out) {
  const dirs = [...new Set([...TRANSPILED, ...RUNTIME_FILES.map(({ dir }) => dir)])];
  const files = dirs.flatMap((dir) => (existsSync(join(root, dir)) ? walk(root, dir, []) : []));
  const script = statSync(fileURLToPath(import.meta.url));
  const fingerprint = files
    .map((path) => {
      const stat = statSync(join(root, path));
      return `${path}:${stat.size}:${stat.mtimeMs}`;
    })
    .sort()
    .concat(`scripts/start.mjs:${script.size}:${script.mtimeMs}`)
    .join('\n');
  const stampPath = join(out, '.sources');
  if (existsSync(stampPath) && readFileSync(stampPath, 'utf8') === fingerprint) return false;

  const { build } = await import('esbuild').catch(() => {
    console.error('npm start needs the development dependencies (npm install). A production install runs the build: npm run build, then npm run start:prod.');
    process.exit(1);
  });
  const next = `${out}.${process.pid}`;
  rmSync(next, { recursive: true, force: true });
  const within = (dir) => files.filter((file) => file.startsWith(`${dir}/`));
  const entryPoints = TRANSPILED.flatMap(within)
    .filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))
    .map((path) => join(root, path));
  for (const { dir, keep } of RUNTIME_FILES) {
    for (const path of within(dir).filter(keep)) {
      mkdirSync(dirname(join(next, path)), { recursive: true });
      copyFileSync(join(root, path), join(next, path));
    }
  }
  await build({
    entryPoints,
    outdir: next,
    outbase: root,
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    // Stack traces need only the mappings; with the sources inside, Node reads and parses twice the JSON at every start.
    sourcesContent: false,
    logLevel: 'error',
  });
  writeFileSync(join(next, '.sources'), fingerprint);
  rmSync(out, { recursive: true, force: true });
  renameSync(next, out);
  return true;
}

/** Where `npm start` runs the project at `root` from. */
export function startDirectory(root) {
  return join(root, '.cache', 'start');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const out = startDirectory(root);
  await ensureTranspiled(root, out);
  process.setSourceMapsEnabled(true);
  await import(pathToFileURL(join(out, 'src', 'main.js')).href);
}

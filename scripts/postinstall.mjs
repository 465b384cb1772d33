// `npm install` (postinstall): what makes the first `npm start` quick. Never fails the install.
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

// The embedded database's template, so the first start without DATABASE_URL copies it instead of running initdb.
await import('./embedded-template.mjs');

// src/ transpiled for `npm start` (scripts/start.mjs). A production install has no esbuild, and runs the build instead.
if (existsSync(fileURLToPath(new URL('../node_modules/esbuild/package.json', import.meta.url)))) {
  const { ensureTranspiled, startDirectory } = await import('./start.mjs');
  const root = fileURLToPath(new URL('..', import.meta.url));
  const started = performance.now();
  try {
    if (await ensureTranspiled(root, startDirectory(root))) console.log(`src/ transpiled for npm start in ${Math.round(performance.now() - started)} ms`);
  } catch (error) {
    console.warn(`src/ not transpiled (npm start will do it): ${error instanceof Error ? error.message : String(error)}`);
  }
}

// The template of a freshly initialised embedded database: initdb once, then every new embedded
// database (in memory, or in an empty data directory) is a copy of it. `npm install` makes it
// (postinstall: scripts/embedded-template.mjs), so even the first start skips initdb; a start that
// finds none makes it. Plain JavaScript: the database's thread (embedded-thread.mjs) and the install
// script load it without tsx.
import { mkdirSync, readFileSync, renameSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';

/**
 * Where the template is cached, per PGlite version: in the `node_modules/.cache` next to PGlite
 * itself, the same for src/ (tsx) and dist/src/ (node).
 */
export function templatePath() {
  let version = 'unknown';
  let nodeModules = join(process.cwd(), 'node_modules');
  try {
    // <node_modules>/@electric-sql/pglite/dist/index.js → the package's own package.json
    const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    const manifest = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8'));
    version = manifest.version ?? version;
    nodeModules = join(dirname(entry), '..', '..', '..');
  } catch {
    // unusual layout: a version-less name still works, it just outlives upgrades
  }
  return join(nodeModules, '.cache', 'tarspay-graphql', `pglite-${version}-template.tar`);
}

/** The cached template, or undefined when there is none yet. */
export function readTemplate(path = templatePath()) {
  try {
    return new Blob([readFileSync(path)]);
  } catch {
    return undefined;
  }
}

/**
 * Caches the files of `db` (a PGlite just initialised, nothing else done in it) as the template.
 * Several processes may race here: each writes its own file, the last rename wins.
 */
export async function saveTemplate(db, path = templatePath()) {
  const dump = await db.dumpDataDir('none');
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.${process.pid}-${threadId}.partial`;
  await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
  renameSync(partial, path);
}

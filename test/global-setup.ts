import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { initOrm, migrateUp } from '../src/db/orm.js';
import { createScratchDatabase } from '../src/db/scratch-database.js';
// @ts-expect-error: a plain .mjs script, without types
import { ensureTranspiled, startDirectory } from '../scripts/start.mjs';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

declare module 'vitest' {
  export interface ProvidedContext {
    /** With DATABASE_URL: the name of a migrated database on that server, copied (CREATE DATABASE … TEMPLATE) per test file. */
    migratedDatabase: string | null;
    /** Without: a migrated embedded database's files (dumpDataDir), loaded per test file. */
    migratedEmbeddedTemplate: string | null;
  }
}

/**
 * Migrates one database for the whole run, so a test file that wants a migrated database copies it
 * (milliseconds) instead of applying every migration again (seconds, tens on embedded PGlite).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Tests that start the gateway as `npm start` does find src/ transpiled, none of them racing to do it.
  await ensureTranspiled(PROJECT_ROOT, startDirectory(PROJECT_ROOT));
  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl) {
    const template = await createScratchDatabase(serverUrl, 'tpg_template');
    try {
      await migrate(template.url);
    } catch (error) {
      await template.drop();
      throw error;
    }
    project.provide('migratedDatabase', new URL(template.url).pathname.slice(1));
    project.provide('migratedEmbeddedTemplate', null);
    return () => template.drop();
  }

  const directory = mkdtempSync(join(tmpdir(), 'tpg-test-template-'));
  const dataDir = join(directory, 'pglite');
  const path = join(directory, 'migrated.tar');
  try {
    const embedded = await startEmbeddedPostgres({ dataDir, maxConnections: 4 });
    try {
      await migrate(embedded.url);
    } finally {
      await embedded.close();
    }
    const db = await PGlite.create(dataDir);
    try {
      writeFileSync(path, Buffer.from(await (await db.dumpDataDir('none')).arrayBuffer()));
    } finally {
      await db.close();
    }
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  project.provide('migratedDatabase', null);
  project.provide('migratedEmbeddedTemplate', path);
  return async () => rmSync(directory, { recursive: true, force: true });
}

async function migrate(url: string): Promise<void> {
  const orm = await initOrm({ clientUrl: url, poolMax: 2 });
  try {
    await migrateUp(orm);
  } finally {
    await orm.close(true);
  }
}

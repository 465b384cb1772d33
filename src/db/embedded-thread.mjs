// The embedded PostgreSQL's own thread: PGlite and its socket server (see embedded.ts, which starts
// it). Plain JavaScript on purpose: Node loads it and PGlite directly, not through tsx, whose loader
// costs ~45 MB and ~100 ms for PGlite's code. Its queries run here, off the gateway's event loop.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { keepExchangesWhole } from './embedded-queue.mjs';
import { readTemplate, saveTemplate, templatePath } from './embedded-template.mjs';

/** @type {{ dataDir?: string, maxConnections: number, useTemplate: boolean, templatePath?: string, sharedBuffers: string }} */
const options = workerData;
const startParams = [...PGlite.defaultStartParams, '-c', `shared_buffers=${options.sharedBuffers}`];

/** A new database in `dataDir` (undefined: in memory), copied from the template (embedded-template.mjs) when there is one. */
async function createFromTemplate(dataDir) {
  if (options.templatePath !== undefined) {
    // A template of the caller's own (e.g. the tests' migrated one): no fallback that would overwrite it.
    const template = readTemplate(options.templatePath);
    if (!template) throw new Error(`no embedded database template at ${options.templatePath}`);
    return PGlite.create(dataDir, { loadDataDir: template, startParams });
  }
  const path = templatePath();
  const template = readTemplate(path);
  if (template) {
    try {
      return await PGlite.create(dataDir, { loadDataDir: template, startParams });
    } catch (error) {
      rmSync(path, { force: true }); // unreadable template: make a new one
      if (dataDir !== undefined && existsSync(join(dataDir, 'PG_VERSION'))) {
        throw new Error(
          `could not create the embedded database in ${dataDir} from the cached template (${error.message}); ` +
            'the template is deleted now: remove that directory and start again',
          { cause: error },
        );
      }
    }
  }
  const db = await PGlite.create(dataDir, { startParams });
  await saveTemplate(db, path).catch(() => {}); // a read-only node_modules only costs time
  return db;
}

let db;
try {
  const isNew = options.dataDir === undefined || !existsSync(join(options.dataDir, 'PG_VERSION'));
  db = isNew && options.useTemplate ? await createFromTemplate(options.dataDir) : await PGlite.create(options.dataDir, { startParams });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: options.maxConnections });
  keepExchangesWhole(server.queryQueue);
  await server.start();
  parentPort.on('message', async (message) => {
    if (message !== 'close') return;
    await server.stop();
    await db.close();
    parentPort.postMessage({ closed: true });
  });
  parentPort.postMessage({ url: `postgres://postgres@${server.getServerConn()}/postgres` });
} catch (error) {
  await db?.close().catch(() => {});
  parentPort.postMessage({ failed: error instanceof Error ? error.message : String(error) });
}

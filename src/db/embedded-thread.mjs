// The embedded PostgreSQL's own thread: PGlite and its socket server (see embedded.ts, which starts
// it). Plain JavaScript on purpose: Node loads it and PGlite directly, not through tsx, whose loader
// costs ~45 MB and ~100 ms for PGlite's code. Its queries run here, off the gateway's event loop.
import { existsSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { keepExchangesWhole } from './embedded-queue.mjs';
import { readTemplate, saveTemplate, templatePath } from './embedded-template.mjs';

/** @type {{ dataDir?: string, maxConnections: number, useTemplate: boolean, templatePath?: string, sharedBuffers: string, resettable?: boolean }} */
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

/**
 * The catalog part of what a reset must bring back, as one text: the schema (relations, columns,
 * constraints, indexes, functions, triggers, types), every sequence's state and the roles. The
 * tables' rows are added by stateOf.
 */
const STATE = `
  with user_classes as (
    select c.oid, c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast') and n.nspname not like 'pg_temp%'
  )
  select string_agg(item, E'\n' order by item) as state from (
    select 'class ' || relname || ' ' || relkind::text as item from user_classes
    union all select 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
      from pg_attribute a join user_classes c on c.oid = a.attrelid left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
      where a.attnum > 0 and not a.attisdropped
    union all select 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) from pg_constraint where connamespace = 'public'::regnamespace
    union all select 'index ' || indexrelid::regclass || ' ' || pg_get_indexdef(indexrelid) from pg_index where indrelid in (select oid from user_classes)
    union all select 'function ' || oid::regprocedure || ' ' || md5(prosrc) from pg_proc where pronamespace = 'public'::regnamespace
    union all select 'trigger ' || tgrelid::regclass || ' ' || tgname || ' ' || tgenabled::text from pg_trigger where not tgisinternal
    union all select 'type ' || typname from pg_type where typnamespace = 'public'::regnamespace and typtype in ('e', 'd', 'r')
    union all select 'sequence ' || schemaname || '.' || sequencename || ' ' || coalesce(last_value::text, '-') from pg_sequences
    union all select 'role ' || rolname from pg_roles
  ) items`;

/** Tables of the public schema, each with its row count and a hash of its rows. */
async function userTables(db) {
  const { rows } = await db.query(`select tablename from pg_tables where schemaname = 'public' order by tablename`);
  const tables = [];
  for (const { tablename } of rows) {
    const name = `"${tablename.replaceAll('"', '""')}"`;
    const { rows: content } = await db.query(
      `select count(*)::int as count, md5(coalesce(string_agg(t::text, ',' order by t::text), '')) as hash from ${name} t`,
    );
    tables.push({ name, ...content[0] });
  }
  return tables;
}

async function stateOf(db) {
  const { rows } = await db.query(STATE);
  const tables = await userTables(db);
  return { text: `${rows[0].state}\n${tables.map((table) => `rows ${table.name} ${table.count} ${table.hash}`).join('\n')}`, tables };
}

/**
 * Back to the state the database started in, for the next test file of this process (a new PGlite
 * costs ~1 s of CPU, a reset milliseconds): session state discarded, the tables that started empty
 * emptied. Refused (false) while a connection is open or when anything else differs afterwards
 * (schema, sequences, a table that had rows): the caller then closes this database instead.
 */
async function reset(db, server, initial) {
  // A client that just closed its connection is still counted until the server sees the socket close.
  for (let waited = 0; server.getStats().activeConnections > 0 && waited < 500; waited += 10) await sleep(10);
  if (server.getStats().activeConnections > 0 || db.isInTransaction()) return false;
  await db.exec('discard all');
  const emptied = initial.tables.filter((table) => table.count === 0).map((table) => table.name);
  if (emptied.length) await db.exec(`truncate ${emptied.join(', ')} restart identity cascade`);
  return (await stateOf(db)).text === initial.text;
}

let db;
try {
  const isNew = options.dataDir === undefined || !existsSync(join(options.dataDir, 'PG_VERSION'));
  db = isNew && options.useTemplate ? await createFromTemplate(options.dataDir) : await PGlite.create(options.dataDir, { startParams });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: options.maxConnections });
  keepExchangesWhole(server.queryQueue);
  await server.start();
  const initial = options.resettable ? await stateOf(db) : undefined;
  parentPort.on('message', async (message) => {
    if (message === 'reset') {
      parentPort.postMessage({ reset: initial ? await reset(db, server, initial).catch(() => false) : false });
      return;
    }
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

import { startEmbeddedPostgres } from '../src/db/embedded.js';

/**
 * Without DATABASE_URL the bench uses the embedded PostgreSQL (PGlite, in memory), in a process of
 * its own like a database server: it prints `BENCH_DATABASE_READY <url>` and stops on SIGTERM or
 * when the bench goes away.
 */
const database = await startEmbeddedPostgres({ maxConnections: Number(process.env.BENCH_DB_MAX_CONNECTIONS ?? 24) });
const stop = () => void database.close().finally(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('disconnect', stop);
console.log(`BENCH_DATABASE_READY ${database.url}`);

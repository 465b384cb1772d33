export interface ResolvedDatabase {
  url: string;
  /** True when this call started an embedded PGlite (closed by `close()`). */
  embedded: boolean;
  /** Stops the embedded database if this call started one; otherwise does nothing. */
  close(): Promise<void>;
}

export interface ResolveDatabaseOptions {
  /** DATABASE_URL from the configuration; empty counts as absent. */
  databaseUrl?: string;
  /** The embedded database's files: embeddedDatabaseDir(config) from src/config.ts. */
  dataDir: string;
  /** For a database started here (default: see startEmbeddedPostgres). */
  maxConnections?: number;
}

/**
 * Where the database is: `databaseUrl` when set; else the embedded database another process
 * (e.g. a running gateway) already serves from `dataDir`; else an embedded one started here.
 */
export async function resolveDatabase(options: ResolveDatabaseOptions): Promise<ResolvedDatabase> {
  const noop = async () => {};
  if (options.databaseUrl) return { url: options.databaseUrl, embedded: false, close: noop };
  // PGlite (WebAssembly, ~40 MB resident once loaded) is loaded only by a start that uses it.
  const { findRunningServer, startEmbeddedPostgres } = await import('./embedded.js');
  const { dataDir } = options;
  const running = await findRunningServer(dataDir);
  if (running) return { url: running.url, embedded: false, close: noop };
  const started = await startEmbeddedPostgres({ dataDir, maxConnections: options.maxConnections });
  return { url: started.url, embedded: true, close: () => started.close() };
}

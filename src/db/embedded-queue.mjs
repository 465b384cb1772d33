// pglite-socket serves every connection from PGlite's one PostgreSQL session, through one queue of
// protocol messages. It keeps a connection's open transaction whole, but not a connection's
// extended-protocol exchange (Parse, Bind, Describe, Execute … up to Sync): messages of two
// connections could interleave there, and one connection's Bind then met another's statement
// ("unnamed prepared statement does not exist", or worse, another query's rows). Its queue also
// stopped for good after one failed message. keepExchangesWhole replaces the queue's processing
// (pglite-socket 0.2.17, pinned in package.json; test/db/embedded-concurrency.test.ts checks it).

/** Message types that continue an exchange until Sync: Parse, Bind, Describe, Execute, Close, Flush. */
const CONTINUES = new Set(['P', 'B', 'D', 'E', 'C', 'H'].map((type) => type.charCodeAt(0)));
/** Sync: ends an exchange that a connection left open (it went away in the middle of one). */
const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]);

/** @param {{ queue: any[], processing: boolean, lastHandlerId: number | null, db: any, processQueue: () => Promise<void>, clearTransactionIfNeeded: (id: number) => Promise<void> }} manager */
export function keepExchangesWhole(manager) {
  /** Connections in the middle of an exchange: the next message the database runs must be theirs. */
  const midExchange = new Set();

  manager.processQueue = async function processQueue() {
    if (this.processing || this.queue.length === 0) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const owner = this.lastHandlerId;
        let item;
        if (owner !== null && (midExchange.has(owner) || this.db.isInTransaction())) {
          const index = this.queue.findIndex((queued) => queued.handlerId === owner);
          if (index === -1) break; // the owner's next message has not arrived yet: it restarts the queue
          item = this.queue.splice(index, 1)[0];
        } else {
          item = this.queue.shift();
        }
        if (CONTINUES.has(item.message[0])) midExchange.add(item.handlerId);
        else midExchange.delete(item.handlerId);
        this.lastHandlerId = item.handlerId;
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(item.message, {
              onRawData: (data) => {
                bytes += data.length;
                item.onData(data);
              },
            }),
          );
          item.resolve(bytes);
        } catch (error) {
          item.reject(error);
        }
      }
    } finally {
      this.processing = false;
    }
  };

  const clearTransaction = manager.clearTransactionIfNeeded.bind(manager);
  manager.clearTransactionIfNeeded = async function clearTransactionIfNeeded(handlerId) {
    if (midExchange.delete(handlerId)) {
      await this.db.runExclusive(() => this.db.execProtocolRawStream(SYNC, { onRawData: () => {} })).catch(() => {});
    }
    await clearTransaction(handlerId);
    await this.processQueue();
  };
}

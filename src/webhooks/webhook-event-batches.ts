import { LRUCache } from 'lru-cache';
import type { Query } from '../db/sql.js';
import type { OrderChangeMessage } from '../orders/change-message.js';
import { readEvents } from '../orders/event-stream.js';

/**
 * A merchant's events, read `size` at a time after a given seq, shared a moment by the endpoints
 * of that merchant that read from the same place (as in a replay): one statement instead of one
 * per endpoint. Only full batches are kept: the `size` events committed after a seq stay what they
 * are, while a shorter batch (the end of the stream) grows as events commit.
 */
export class WebhookEventBatches {
  readonly #batches: LRUCache<string, Promise<OrderChangeMessage[]>>;

  constructor(
    private readonly query: Query,
    private readonly size: number,
    ttlMs: number,
  ) {
    // Stale batches stay until pushed out: the bound is what they may hold (64 × 100 events).
    this.#batches = new LRUCache({ max: 64, ttl: ttlMs });
  }

  after(merchantId: string, seq: string): Promise<OrderChangeMessage[]> {
    const key = `${merchantId}/${seq}`;
    const kept = this.#batches.get(key);
    if (kept) return kept;
    const batch = readEvents(this.query, merchantId, { after: BigInt(seq), limit: this.size });
    this.#batches.set(key, batch);
    const forget = () => {
      if (this.#batches.peek(key) === batch) this.#batches.delete(key);
    };
    batch.then((events) => events.length < this.size && forget(), forget);
    return batch;
  }
}

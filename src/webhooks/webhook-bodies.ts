import { LRUCache } from 'lru-cache';
import type { Merchant } from '../merchants/merchant.entity.js';
import type { OrderChangeMessage } from '../orders/change-message.js';
import type { PreparedWebhookDocument } from './webhook-documents.js';

/** The JSON body of one delivery: `{"type": "order.<status>", "timestamp", "data"}`. */
export function webhookBody(message: OrderChangeMessage, data: unknown): string {
  return JSON.stringify({ type: `order.${message.event.status.toLowerCase()}`, timestamp: new Date(message.event.createdAt).toISOString(), data });
}

/**
 * Bodies rendered a moment ago, shared by the endpoints that have the same document: the document
 * runs once per event, not once per endpoint (as equal GraphQL subscriptions share one execution).
 * A body is reused for `ttlMs` only, so an endpoint that comes to an event later (a retry after
 * back-off, an endpoint that was behind) gets it rendered again, as of then. Failed renders are not
 * kept.
 */
export class WebhookBodies {
  readonly #documentIds = new WeakMap<PreparedWebhookDocument, number>();
  #nextDocumentId = 0;
  readonly #bodies: LRUCache<string, Promise<string>>;

  constructor(ttlMs: number, max = 8192) {
    this.#bodies = new LRUCache({ max, ttl: ttlMs });
  }

  body(document: PreparedWebhookDocument, message: OrderChangeMessage, merchant: Merchant): Promise<string> {
    let documentId = this.#documentIds.get(document);
    if (documentId === undefined) {
      documentId = ++this.#nextDocumentId;
      this.#documentIds.set(document, documentId);
    }
    const key = `${documentId}/${message.merchantId}/${message.event.seq}`;
    const kept = this.#bodies.get(key);
    if (kept) return kept;
    const body = document.render(message, merchant).then((data) => webhookBody(message, data));
    this.#bodies.set(key, body);
    body.catch(() => {
      if (this.#bodies.peek(key) === body) this.#bodies.delete(key);
    });
    return body;
  }
}

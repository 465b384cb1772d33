import type { Merchant } from '../merchants/merchant.entity.js';
import type { OrderChangeMessage } from '../orders/change-message.js';
import type { PreparedWebhookDocument } from './webhook-documents.js';

/** The JSON body of one delivery: `{"type": "order.<status>", "timestamp", "data"}`. */
export function webhookBody(message: OrderChangeMessage, data: unknown): string {
  return JSON.stringify({ type: `order.${message.event.status.toLowerCase()}`, timestamp: new Date(message.event.createdAt).toISOString(), data });
}

/** Bodies kept per document; past this the oldest go. */
const MAX_BODIES_PER_DOCUMENT = 4096;

/**
 * Bodies rendered a moment ago, shared by the endpoints that have the same document: the document
 * runs once per event, not once per endpoint (as equal GraphQL subscriptions share one execution).
 * A body is reused for `ttlMs` only, so an endpoint that comes to an event later (a retry after
 * back-off, an endpoint that was behind) gets it rendered again, as of then. Failed renders are not
 * kept.
 */
export class WebhookBodies {
  readonly #byDocument = new WeakMap<PreparedWebhookDocument, Map<string, { body: Promise<string>; expires: number }>>();

  constructor(private readonly ttlMs: number) {}

  body(document: PreparedWebhookDocument, message: OrderChangeMessage, merchant: Merchant): Promise<string> {
    let bodies = this.#byDocument.get(document);
    if (!bodies) {
      bodies = new Map();
      this.#byDocument.set(document, bodies);
    }
    const key = `${message.merchantId}/${message.event.seq}`;
    const now = performance.now();
    const kept = bodies.get(key);
    if (kept && kept.expires > now) return kept.body;
    const body = document.render(message, merchant).then((data) => webhookBody(message, data));
    if (kept) bodies.delete(key);
    bodies.set(key, { body, expires: now + this.ttlMs });
    // Oldest first (one TTL for all): what has expired, and past the bound, goes.
    for (const [oldest, entry] of bodies) {
      if (entry.expires > now && bodies.size <= MAX_BODIES_PER_DOCUMENT) break;
      bodies.delete(oldest);
    }
    body.catch(() => {
      if (bodies.get(key)?.body === body) bodies.delete(key);
    });
    return body;
  }
}

import type { Merchant } from '../merchants/merchant.entity.js';
import type { OrderChangeMessage } from '../orders/change-message.js';

/**
 * Each endpoint's body is shaped by a GraphQL subscription document on orderEvents, checked and
 * executed by the API layer (src/schema/webhook-document.ts): the domain knows only this interface.
 */
export interface WebhookDocuments {
  /** Throws WebhookError (INVALID_INPUT, field `query`) when the text is not such a document. */
  check(query: string): void;
  /** A stored document, ready to run (cached by its text). */
  prepare(query: string): PreparedWebhookDocument;
}

export interface PreparedWebhookDocument {
  /** False for events the document's `filter` argument leaves out: they are skipped, not delivered. */
  matches(message: OrderChangeMessage): boolean;
  /** The document's result for this event, as a subscriber would get it: the body's `data`. */
  render(message: OrderChangeMessage, merchant: Merchant): Promise<unknown>;
}

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { decodeEventCursor } from '../src/orders/event-stream.js';
import { graphqlAt, seqOf } from './consumers.js';
import type { WebhookRecord } from './invariants.js';
import { seededRandom } from './schedule.js';

const DOCUMENT = 'subscription { orderEvents(filter: { includeIgnored: true }) { cursor status } }';

/**
 * A merchant's backend behind a webhook endpoint, in the harness: it verifies each delivery with the
 * `standardwebhooks` package, answers a seeded share of them 500 (the gateway must retry those, in
 * order), and records the seq of every delivery it answered 200, in arrival order, and the webhook-id
 * of every delivery that verified.
 */
export class WebhookReceiver {
  readonly #server: Server;
  readonly #random: () => number;
  #verifier: Webhook | undefined;
  readonly record: WebhookRecord = { firstSeq: 0, received: [], messageIds: new Map(), badSignatures: 0, refused: 0 };
  url = '';

  constructor(
    seed: number,
    private readonly failShare = 0.1,
  ) {
    this.#random = seededRandom(seed);
    this.#server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => response.writeHead(this.#answer(Buffer.concat(chunks).toString('utf8'), request.headers)).end());
    });
  }

  #answer(body: string, headers: IncomingHttpHeaders): number {
    let payload: { data: { orderEvents: { cursor: string } } };
    try {
      payload = this.#verifier!.verify(body, headers as Record<string, string>) as typeof payload;
    } catch {
      this.record.badSignatures += 1;
      return 400;
    }
    const seq = Number(decodeEventCursor(payload.data.orderEvents.cursor)?.seq ?? -1);
    const ids = this.record.messageIds.get(seq) ?? new Set<string>();
    ids.add(String(headers['webhook-id']));
    this.record.messageIds.set(seq, ids);
    if (this.#random() < this.failShare) {
      this.record.refused += 1;
      return 500;
    }
    this.record.received.push(seq);
    return 200;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hooks`;
  }

  /** Registers the endpoint: it gets every event committed after `firstCursor` (the latest before it). */
  async register(gatewayUrl: string, token: string, firstCursor: string): Promise<void> {
    const { webhookEndpointCreate: created } = await graphqlAt<{ webhookEndpointCreate: { secret: string | null; userErrors: { message: string }[] } }>(
      gatewayUrl,
      token,
      'webhookEndpointCreate',
      `mutation ($input: WebhookEndpointCreateInput!) { webhookEndpointCreate(input: $input) { secret userErrors { message } } }`,
      { input: { url: this.url, query: DOCUMENT, description: 'chaos receiver' } },
    );
    if (!created.secret) throw new Error(`the chaos webhook endpoint was not created: ${JSON.stringify(created.userErrors)}`);
    this.#verifier = new Webhook(created.secret);
    this.record.firstSeq = seqOf(firstCursor);
  }

  /** Whether every seq in (firstSeq, lastSeq] has been answered 200. */
  hasAll(lastSeq: number): boolean {
    const answered = new Set(this.record.received);
    for (let seq = this.record.firstSeq + 1; seq <= lastSeq; seq += 1) if (!answered.has(seq)) return false;
    return true;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

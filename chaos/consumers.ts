import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { decodeEventCursor } from '../src/orders/event-stream.js';
import type { ConsumerRecord } from './invariants.js';
import { sleep } from './load.js';
import { randomInt, seededRandom } from './schedule.js';

/**
 * Event consumers as a merchant runs them: each subscribes orderEvents(after: its last cursor) on
 * some instance, and at random times (or when the instance dies) drops the connection and resumes
 * from its last cursor on another instance. Consumers 0 and 1 are twins: same first cursor, same
 * query, same resume times and instances, so two identical subscriptions run at once.
 */

const EVENTS = `subscription ($after: String) {
  orderEvents(after: $after, filter: { includeIgnored: true }) { cursor status order { id merchantOrderNo } }
}`;

export interface ConsumerTarget {
  liveUrls(): string[];
  allUrls: string[];
  token: string;
}

export function seqOf(cursor: string): number {
  const decoded = decodeEventCursor(cursor);
  if (!decoded) throw new Error(`not an event cursor: ${cursor}`);
  return Number(decoded.seq);
}

export class Consumer {
  readonly record: ConsumerRecord;
  lastCursor: string;
  errors: string[] = [];
  #client: Client | undefined;
  #dispose: (() => void) | undefined;
  #stopped = false;
  #ended: (() => void) | undefined;
  readonly #random: () => number;

  constructor(
    name: string,
    firstCursor: string,
    private readonly target: ConsumerTarget,
    seed: number,
  ) {
    this.lastCursor = firstCursor;
    this.record = { name, firstSeq: seqOf(firstCursor), received: [], resumes: 0 };
    this.#random = seededRandom(seed);
  }

  get lastSeq(): number {
    return seqOf(this.lastCursor);
  }

  /** The instance for the next subscription: the seeded choice, or the next one up. */
  #pickUrl(): string | undefined {
    const live = new Set(this.target.liveUrls());
    const start = randomInt(this.#random, 0, this.target.allUrls.length - 1);
    for (let offset = 0; offset < this.target.allUrls.length; offset += 1) {
      const url = this.target.allUrls[(start + offset) % this.target.allUrls.length]!;
      if (live.has(url)) return url;
    }
    return undefined;
  }

  /** One subscription, until it ends (error, completion, or #drop). */
  async #subscribeOnce(): Promise<void> {
    const url = this.#pickUrl();
    if (!url) {
      await sleep(200);
      return;
    }
    const client = createClient({
      url: `${url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${this.target.token}` },
      retryAttempts: 0,
      lazy: true,
    });
    this.#client = client;
    await new Promise<void>((resolve) => {
      this.#ended = resolve;
      this.#dispose = client.subscribe<{ orderEvents: { cursor: string } }>(
        { query: EVENTS, variables: { after: this.lastCursor } },
        {
          next: (value) => {
            if (value.errors?.length) this.errors.push(JSON.stringify(value.errors).slice(0, 300));
            const cursor = value.data?.orderEvents.cursor;
            if (!cursor) return;
            this.record.received.push(seqOf(cursor));
            this.lastCursor = cursor;
          },
          error: (error) => {
            if (!this.#stopped) this.errors.push(describeError(error));
            resolve();
          },
          complete: resolve,
        },
      );
    });
    this.#dispose = undefined;
    this.#ended = undefined;
    await client.dispose();
  }

  /** Drops the subscription now; the loop resumes from the last cursor. */
  #drop(): void {
    this.#dispose?.();
    this.#ended?.();
  }

  async run(resumeEveryMs: [number, number]): Promise<void> {
    const resumer = (async () => {
      while (!this.#stopped) {
        await sleep(randomInt(this.#random, resumeEveryMs[0], resumeEveryMs[1]));
        if (!this.#stopped) this.#drop();
      }
    })();
    let first = true;
    while (!this.#stopped) {
      if (!first) this.record.resumes += 1;
      first = false;
      await this.#subscribeOnce();
      if (!this.#stopped) await sleep(50);
    }
    await resumer.catch(() => {});
  }

  /** Stops resuming; keeps the current subscription (call close() when caught up). */
  async close(): Promise<void> {
    this.#stopped = true;
    this.#drop();
    await this.#client?.dispose();
  }
}

/** graphql-ws hands a CloseEvent, an Error or GraphQL errors. */
function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  const close = error as { code?: number; reason?: string };
  if (typeof close.code === 'number') return `closed ${close.code} ${close.reason ?? ''}`.trim();
  return JSON.stringify(error).slice(0, 300);
}

/** One GraphQL request to `url` with the run's token; the answer's data, or an error naming `what`. */
export async function graphqlAt<T>(url: string, token: string, what: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const answer = (await response.json()) as { data?: T };
  if (!answer.data) throw new Error(`${what} failed: ${JSON.stringify(answer).slice(0, 300)}`);
  return answer.data;
}

/** A cursor at the latest committed event, as of now (the first cursor of a new consumer). */
export async function latestEventCursor(url: string, token: string): Promise<string> {
  return (await graphqlAt<{ latestEventCursor: string }>(url, token, 'latestEventCursor', '{ latestEventCursor }')).latestEventCursor;
}

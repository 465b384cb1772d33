import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sql } from '../../src/db/sql.js';
import { createLogger } from '../../src/observability/logger.js';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { upsertMerchant } from '../../src/merchants/merchant.service.js';
import { resumableEvents } from '../../src/orders/event-stream.js';
import type { OrderChangeMessage } from '../../src/orders/change-message.js';
import { EventSequencer } from '../../src/orders/event-sequencer.js';
import { ReportApplier } from '../../src/orders/report-applier.js';
import { Order } from '../../src/orders/order.entity.js';
import { generateKeyPair } from '../../src/tarspay/signer.js';
import { createTestOrm, type TestOrm } from '../helpers/database.js';

/**
 * The stream's bookkeeping against real PostgreSQL, with the live channel misbehaving on purpose:
 * messages reordered, repeated and lost, as two instances publishing through Redis can make them.
 */
let db: TestOrm;
let sql: Sql;
let merchant: Merchant;
let reports: ReportApplier;
const published: OrderChangeMessage[] = [];
let counter = 0;

beforeAll(async () => {
  db = await createTestOrm();
  sql = new Sql(db.orm);
  merchant = await upsertMerchant(db.orm.em.fork(), db.keyRing, {
    mchNo: 'M-STREAM',
    privateKeyHex: generateKeyPair().privateKey,
    platformPublicKey: generateKeyPair().publicKey,
  });
  reports = new ReportApplier({
    sql,
    sequencer: new EventSequencer({ sql: sql.background, onNumbered: (messages) => published.push(...messages), logger: createLogger({ level: 'silent' }) }),
    listeners: { onLatePayment: () => undefined },
    logger: createLogger({ level: 'silent' }),
  });
});
afterAll(async () => {
  await sql?.close();
  await db?.close();
});

/** Commits `count` events (each a CREATED order moving to SUCCEEDED or FAILED) and returns their messages. */
async function commitEvents(count: number): Promise<OrderChangeMessage[]> {
  const from = published.length;
  for (let index = 0; index < count; index++) {
    const em = db.orm.em.fork();
    counter += 1;
    const order = em.create(Order, {
      merchant,
      kind: 'COLLECTION',
      merchantOrderNo: `S-${counter}`,
      status: 'CREATED',
      amount: '150000',
      method: 'BANK_BCA',
      requestFingerprint: 'f',
      customer: null,
    });
    await em.flush();
    await reports.apply(order.id, { status: index % 3 === 2 ? 'FAILED' : 'SUCCEEDED', source: 'CALLBACK' });
  }
  return published.slice(from);
}

/** A live channel the test feeds by hand. */
class LiveChannel implements AsyncIterator<OrderChangeMessage> {
  private readonly queued: OrderChangeMessage[] = [];
  private waiting: ((result: IteratorResult<OrderChangeMessage>) => void) | null = null;
  private ended = false;
  returned = false;
  /** Resolves when the stream first reads live, i.e. its replay is over. */
  readonly reading: Promise<void>;
  private startedReading!: () => void;

  constructor() {
    this.reading = new Promise((resolve) => (this.startedReading = resolve));
  }

  push(...messages: OrderChangeMessage[]): void {
    for (const message of messages) {
      if (this.waiting) {
        const resolve = this.waiting;
        this.waiting = null;
        resolve({ value: message, done: false });
      } else this.queued.push(message);
    }
  }

  end(): void {
    this.ended = true;
    this.waiting?.({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<OrderChangeMessage>> {
    this.startedReading();
    const message = this.queued.shift();
    if (message) return Promise.resolve({ value: message, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<OrderChangeMessage>> {
    this.returned = true;
    return Promise.resolve({ value: undefined, done: true });
  }
}

async function drain(stream: AsyncGenerator<OrderChangeMessage>, count: number): Promise<string[]> {
  const seqs: string[] = [];
  for await (const message of stream) {
    seqs.push(message.event.seq);
    if (seqs.length === count) break;
  }
  return seqs;
}

const seqsOf = (messages: OrderChangeMessage[]) => messages.map((message) => message.event.seq);

describe('resumableEvents', () => {
  it('delivers each event once, in commit order, when live messages come reordered, repeated or not at all', async () => {
    const [seen] = await commitEvents(1);
    const live = new LiveChannel();
    const stream = resumableEvents(sql.query, merchant.id, live, BigInt(seen!.event.seq), {});
    const delivered: string[] = [];
    const reading = (async () => {
      for await (const message of stream) delivered.push(message.event.seq);
    })();
    await live.reading; // the replay found nothing: what follows reaches the stream live only
    const events = await commitEvents(6);
    const [e1, e2, e3, e4, e5, e6] = events;
    // e2 before e1; e1 and e2 repeated; e4 lost; e6 twice, e5 lost.
    live.push(e2!, e1!, e2!, e3!, e6!, e6!);
    live.end();
    await reading;
    expect(delivered).toEqual(seqsOf([e1!, e2!, e3!, e4!, e5!, e6!]));
  });

  it('replays from the database, then skips the live messages the replay already delivered', async () => {
    const [seen] = await commitEvents(1);
    const events = await commitEvents(4);
    const live = new LiveChannel();
    // Subscribed to live before the replay read: the last three arrive on both.
    live.push(...events.slice(1));
    const later = await commitEvents(1);
    live.push(...later);
    const delivered = await drain(resumableEvents(sql.query, merchant.id, live, BigInt(seen!.event.seq), {}), 5);
    expect(delivered).toEqual(seqsOf([...events, ...later]));
    expect(live.returned).toBe(true);
  });

  it('skips what the filter leaves out, also when filling a hole, and keeps counting past it', async () => {
    const [seen] = await commitEvents(1);
    const live = new LiveChannel();
    const delivered: string[] = [];
    const reading = (async () => {
      for await (const message of resumableEvents(sql.query, merchant.id, live, BigInt(seen!.event.seq), { status: ['SUCCEEDED'] }))
        delivered.push(message.event.seq);
    })();
    await live.reading;
    const events = await commitEvents(6); // FAILED at index 2 and 5
    live.push(events[3]!, events[4]!, events[5]!);
    live.end();
    await reading;
    expect(delivered).toEqual(seqsOf(events.filter((message) => message.event.status === 'SUCCEEDED')));
  });

  it('without a cursor, delivers live messages only, from the first one it sees', async () => {
    await commitEvents(2);
    const events = await commitEvents(2);
    const live = new LiveChannel();
    live.push(...events);
    live.end();
    const delivered: string[] = [];
    for await (const message of resumableEvents(sql.query, merchant.id, live, null, {})) delivered.push(message.event.seq);
    expect(delivered).toEqual(seqsOf(events));
  });

  it('replays a backlog longer than one page (500 events) whole, in commit order', async () => {
    const [seen] = await commitEvents(1);
    const backlog = await commitEvents(520);
    const live = new LiveChannel();
    live.end();
    const delivered: string[] = [];
    for await (const message of resumableEvents(sql.query, merchant.id, live, BigInt(seen!.event.seq), {})) delivered.push(message.event.seq);
    expect(delivered).toEqual(seqsOf(backlog));
  }, 120_000);

  it('lets go of the live channel when the subscriber leaves during the replay', async () => {
    const [seen] = await commitEvents(1);
    await commitEvents(3);
    const live = new LiveChannel();
    expect(await drain(resumableEvents(sql.query, merchant.id, live, BigInt(seen!.event.seq), {}), 1)).toHaveLength(1);
    expect(live.returned).toBe(true);
  });
});

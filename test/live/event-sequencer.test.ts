import { decodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.js';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { EventSequencer } from '../../src/orders/event-sequencer.js';
import { decodeEventCursor } from '../../src/orders/event-stream.js';
import { PrivateKey } from '../../src/tarspay/signer.js';
import { callbackBody, collectionCallbackFields, postCallback } from '../helpers/callbacks.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { createCollections, type CreatedCollection } from '../helpers/operations.js';
import { recordingLogger } from '../helpers/logs.js';
import { waitFor } from '../helpers/wait.js';
import { collect, wsClient, type Collected } from '../helpers/ws-client.js';

/**
 * Events are written unnumbered and numbered after commit by each instance's event sequencer
 * (src/orders/event-sequencer.ts): whatever the concurrency, and with two instances numbering the
 * same merchant's events, seqs are 1..N with no hole and none twice, and subscribers get each event
 * once, in seq order.
 */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const platformKey = PrivateKey.generate();

let t: TestGateway;
let peer: Gateway;

beforeAll(async () => {
  t = await startTestGateway({ env: { REDIS_URL, RECONCILE_INTERVAL_MS: '0' }, sandbox: { platformPrivateKey: platformKey.revealHex() } });
  peer = await t.startPeer();
});
afterAll(() => t.close());

async function newMerchant(mchNo: string): Promise<{ merchant: Merchant; token: string }> {
  const merchant = await t.addMerchant(mchNo);
  return { merchant, token: await t.token(merchant) };
}

const createOrders = (token: string, count: number) => createCollections(t, token, count);

async function paid(gatewayUrl: string, merchant: Merchant, order: CreatedCollection): Promise<void> {
  const body = callbackBody(collectionCallbackFields(merchant.mchNo, order, 2, { fee: '0' }));
  expect(await postCallback(gatewayUrl, body, platformKey.sign(body))).toEqual({ status: 200, text: 'OK' });
}

const ORDER_EVENTS = `subscription ($after: String) { orderEvents(after: $after, filter: { includeIgnored: true }) { cursor status order { id } } }`;

function subscribe(url: string, token: string, after: string): Collected<{ orderEvents: { cursor: string; status: string; order: { id: string } } }> {
  return collect(wsClient(url, token), ORDER_EVENTS, { after });
}

const seqsOf = (stream: Collected<{ orderEvents: { cursor: string } }>) =>
  stream.values.map((value) => Number(decodeEventCursor(value.orderEvents.cursor)!.seq));

async function latestCursor(token: string): Promise<string> {
  return (await t.graphql(token, 'query { latestEventCursor }')).data!.latestEventCursor as string;
}

async function storedSeqs(merchant: Merchant): Promise<{ seqs: Array<number | null>; counter: number }> {
  const connection = t.gateway.orm.em.fork().getConnection();
  const rows = await connection.execute<Array<{ seq: string | null }>>('select seq from order_events where merchant_id = ? order by seq nulls last, id', [
    merchant.id,
  ]);
  const [row] = await connection.execute<Array<{ event_seq: string }>>('select event_seq from merchants where id = ?', [merchant.id]);
  return { seqs: rows.map((stored) => (stored.seq === null ? null : Number(stored.seq))), counter: Number(row!.event_seq) };
}

const oneTo = (count: number) => Array.from({ length: count }, (_, index) => index + 1);

/** Time for anything extra (a seq twice) to arrive: the sweep runs once a second. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 1_500));

describe('the event sequencer', () => {
  it('numbers the events of concurrent callbacks 1..N, each once, and a subscriber gets every one once, in seq order', async () => {
    const { merchant, token } = await newMerchant('M-SEQ-CONCURRENT');
    const orders = await createOrders(token, 30); // SUBMITTING and CREATED: seqs 1..60
    const stream = subscribe(t.gateway.url, token, await latestCursor(token));
    try {
      await Promise.all(orders.map((order) => paid(t.gateway.url, merchant, order)));
      await waitFor(() => (stream.values.length >= orders.length ? true : undefined), 15_000);
      await settle();
      expect(stream.errors).toEqual([]);
      expect(seqsOf(stream)).toEqual(oneTo(90).slice(60));
      expect(new Set(stream.values.map((value) => value.orderEvents.order.id))).toEqual(new Set(orders.map((order) => order.id)));
      expect(await storedSeqs(merchant)).toEqual({ seqs: oneTo(90), counter: 90 });
    } finally {
      stream.dispose();
    }
  });

  it('numbers and delivers an event left unnumbered (an instance killed between its commit and its pass) with the next seq, through the sweep', async () => {
    const { merchant, token } = await newMerchant('M-SEQ-SWEEP');
    const [order] = await createOrders(token, 1); // seqs 1, 2
    const stream = subscribe(t.gateway.url, token, await latestCursor(token));
    try {
      // As the callback's transaction writes it; no one wakes a sequencer for it.
      await t.gateway.orm.em
        .fork()
        .getConnection()
        .execute(
          `insert into order_events (order_id, merchant_id, status, previous_status, source, applied, note, created_at) values (?, ?, 'SUCCEEDED', 'CREATED', 'CALLBACK', true, null, now())`,
          [decodeGlobalID(order!.id).id, merchant.id],
        );
      await waitFor(() => (stream.values.length >= 1 ? true : undefined), 10_000);
      await settle();
      expect(seqsOf(stream)).toEqual([3]);
      expect(stream.values[0]!.orderEvents).toMatchObject({ status: 'SUCCEEDED', order: { id: order!.id } });
      expect(await storedSeqs(merchant)).toEqual({ seqs: [1, 2, 3], counter: 3 });
    } finally {
      stream.dispose();
    }
  });

  it('two instances numbering one merchant’s events at once never give one seq twice, and leave none unnumbered', async () => {
    const { merchant, token } = await newMerchant('M-SEQ-TWO');
    const orders = await createOrders(token, 40); // seqs 1..80
    const after = await latestCursor(token);
    const streams = [subscribe(t.gateway.url, token, after), subscribe(peer.url, token, after)];
    const logsBefore = t.logs.length;
    try {
      // Both instances' sequencers number (and both sweep) while callbacks commit on each.
      await Promise.all(orders.map((order, index) => paid(index % 2 ? peer.url : t.gateway.url, merchant, order)));
      for (const stream of streams) await waitFor(() => (stream.values.length >= orders.length ? true : undefined), 15_000);
      await settle();
      expect(await storedSeqs(merchant)).toEqual({ seqs: oneTo(120), counter: 120 });
      for (const stream of streams) expect(seqsOf(stream)).toEqual(oneTo(120).slice(80));
      // A pass that lost a race would have failed on the (merchant, seq) unique constraint and said so.
      expect(t.logs.slice(logsBefore).filter((line) => line.includes('not numbered'))).toEqual([]);
    } finally {
      for (const stream of streams) stream.dispose();
    }
  });

  it('passes racing on one merchant from several instances number each event once: no seq is given (or published) twice', async () => {
    const { merchant, token } = await newMerchant('M-SEQ-RACE');
    const [order] = await createOrders(token, 1); // seqs 1, 2
    const published: number[] = [];
    const logs: string[] = [];
    const sequencers = [t.gateway.sql, peer.sql, t.gateway.sql, peer.sql].map(
      (sql) =>
        new EventSequencer({
          sql: sql.background,
          onNumbered: (messages) => published.push(...messages.map((message) => Number(message.event.seq))),
          logger: recordingLogger(logs, 'warn'),
        }),
    );
    const connection = t.gateway.orm.em.fork().getConnection();
    const writeUnnumbered = (count: number) =>
      connection.execute(
        `insert into order_events (order_id, merchant_id, status, previous_status, source, applied, note, created_at)
         select ?, ?, 'CREATED', 'CREATED', 'RECONCILIATION', false, 'race ' || n, now() from generate_series(1, ?) n`,
        [decodeGlobalID(order!.id).id, merchant.id, count],
      );
    for (let round = 0; round < 40; round++) {
      await writeUnnumbered(1 + (round % 4));
      // Each instance wakes twice: once while the other's pass may hold the lock, once for what commits meanwhile.
      await Promise.all([
        ...sequencers.map((sequencer) => sequencer.wake(merchant.id)),
        writeUnnumbered(2).then(() => Promise.all(sequencers.map((sequencer) => sequencer.wake(merchant.id)))),
      ]);
    }
    const total = 2 + 40 * 2 + [1, 2, 3, 4].reduce((sum, count) => sum + count, 0) * 10;
    expect(await storedSeqs(merchant)).toEqual({ seqs: oneTo(total), counter: total });
    // The gateways' own sweeps race too, and publish what they number elsewhere: none of these may repeat a seq.
    expect(published.length).toBeGreaterThan(total / 2);
    expect(published.filter((seq, index) => published.indexOf(seq) !== index)).toEqual([]);
    expect(logs).toEqual([]);
  });
});

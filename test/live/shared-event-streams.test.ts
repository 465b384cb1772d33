import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Merchant } from '../../src/merchants/merchant.entity.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { COLLECTION_CREATE, collectionInput } from '../helpers/operations.js';
import { waitFor } from '../helpers/wait.js';
import { collect, wsClient, type Collected } from '../helpers/ws-client.js';

/**
 * Equal `orderEvents` subscriptions of a merchant share one execution: a subscriber that joins one
 * must still get everything its own subscription promises. With `after`, that is every event
 * committed since the cursor, once each, in commit order, then live, whoever else is watching.
 */
let t: TestGateway;
let merchant: Merchant;
let token: string;

beforeAll(async () => {
  t = await startTestGateway();
  merchant = await t.addMerchant('M-SHARED-RESUME');
  token = await t.token(merchant);
});
afterAll(() => t.close());

type Events = Collected<{ orderEvents: { cursor: string } }>;

const ORDER_EVENTS = `subscription ($after: String) { orderEvents(after: $after) { cursor } }`;

/** Creates `count` orders: two events each (SUBMITTING, then CREATED). */
async function createOrders(count: number): Promise<void> {
  for (let index = 0; index < count; index++) await t.graphql(token, COLLECTION_CREATE, { input: collectionInput() });
}

async function latestCursor(): Promise<string> {
  return (await t.graphql(token, `{ latestEventCursor }`)).data!.latestEventCursor as string;
}

/** The cursors of every event committed after `after`, in commit order, as the events query pages them. */
async function committedAfter(after: string): Promise<string[]> {
  const cursors: string[] = [];
  for (let cursor = after; ;) {
    const page = (
      await t.graphql(token, `query ($after: String) { events(first: 100, after: $after) { edges { cursor } pageInfo { hasNextPage endCursor } } }`, {
        after: cursor,
      })
    ).data!.events;
    cursors.push(...page.edges.map((edge: { cursor: string }) => edge.cursor));
    if (!page.pageInfo.hasNextPage) return cursors;
    cursor = page.pageInfo.endCursor;
  }
}

/** Subscribes on a connection of its own (as a second consumer, or a client back before its old socket is dropped). */
function subscribe(query: string, variables: Record<string, unknown>): Events {
  return collect(wsClient(t.gateway.url, token), query, variables);
}

const cursorsOf = (events: Events) => events.values.map((value) => value.orderEvents.cursor);

/** Waits until `events` has received `last` (10 s at most), then returns all it received. */
async function receivedThrough(events: Events, last: string): Promise<string[]> {
  // On time-out, what did arrive makes the assertion's diff.
  await waitFor(() => (cursorsOf(events).includes(last) ? true : undefined)).catch(() => undefined);
  return cursorsOf(events);
}

/** orderEvents subscriptions open on the gateway, as its /metrics counts them (each subscriber, shared or not). */
async function openOrderEvents(): Promise<number> {
  const text = await (await fetch(`${t.gateway.url}/metrics`)).text();
  return Number(/^tarspay_gateway_graphql_subscriptions_open\{field="orderEvents"\} (\d+)$/m.exec(text)?.[1] ?? 0);
}

/** Waits until `count` live queues listen on the gateway (one per running stream). */
async function listening(count: number): Promise<void> {
  await waitFor(() => (t.gateway.services.live.listeners() === count ? true : undefined));
}

describe('orderEvents(after) beside equal subscriptions', () => {
  it('gives a second connection with the same query and cursor the whole replay, then the same live events, once each, in commit order', async () => {
    const from = await latestCursor();
    await createOrders(2); // committed while both consumers were away
    const first = subscribe(ORDER_EVENTS, { after: from });
    const second = subscribe(ORDER_EVENTS, { after: from });
    try {
      const replayed = await committedAfter(from);
      expect(await receivedThrough(first, replayed.at(-1)!)).toEqual(replayed);
      // The second subscribes only once the first has had its replay and is live.
      const late = subscribe(ORDER_EVENTS, { after: from });
      try {
        expect(await receivedThrough(late, replayed.at(-1)!)).toEqual(replayed);
        await createOrders(2);
        const all = await committedAfter(from);
        expect(all).toHaveLength(8);
        for (const events of [first, second, late]) {
          expect(await receivedThrough(events, all.at(-1)!)).toEqual(all);
          expect(events.errors).toEqual([]);
        }
      } finally {
        late.dispose();
      }
    } finally {
      first.dispose();
      second.dispose();
    }
  });

  it('does the same with the cursor written in the operation text (equal text, no variables)', async () => {
    const from = await latestCursor();
    await createOrders(1);
    const query = `subscription { orderEvents(after: ${JSON.stringify(from)}) { cursor } }`;
    const first = subscribe(query, {});
    const replayed = await committedAfter(from);
    expect(await receivedThrough(first, replayed.at(-1)!)).toEqual(replayed);
    const second = subscribe(query, {});
    try {
      expect(await receivedThrough(second, replayed.at(-1)!)).toEqual(replayed);
      await createOrders(1);
      const all = await committedAfter(from);
      expect(await receivedThrough(first, all.at(-1)!)).toEqual(all);
      expect(await receivedThrough(second, all.at(-1)!)).toEqual(all);
    } finally {
      first.dispose();
      second.dispose();
    }
  });

  it('keeps a subscription without a cursor live only, beside one with a cursor and the same text', async () => {
    await listening(0);
    const from = await latestCursor();
    await createOrders(2);
    const liveOnly = subscribe(ORDER_EVENTS, {});
    await listening(1);
    const resumed = subscribe(ORDER_EVENTS, { after: from });
    try {
      const replayed = await committedAfter(from);
      expect(await receivedThrough(resumed, replayed.at(-1)!)).toEqual(replayed);
      await createOrders(2);
      const all = await committedAfter(from);
      expect(await receivedThrough(resumed, all.at(-1)!)).toEqual(all);
      expect(await receivedThrough(liveOnly, all.at(-1)!)).toEqual(all.slice(replayed.length));
    } finally {
      liveOnly.dispose();
      resumed.dispose();
    }
  });

  it('gives a subscription without a cursor that joins an equal one the live events from then on, and queues nothing for it', async () => {
    await listening(0);
    await waitFor(async () => ((await openOrderEvents()) === 0 ? true : undefined));
    const first = subscribe(ORDER_EVENTS, {});
    await listening(1);
    const from = await latestCursor();
    await createOrders(1);
    const before = await committedAfter(from);
    await receivedThrough(first, before.at(-1)!);
    const second = subscribe(ORDER_EVENTS, {});
    await waitFor(async () => ((await openOrderEvents()) === 2 ? true : undefined));
    try {
      await createOrders(1);
      const all = await committedAfter(from);
      expect(await receivedThrough(first, all.at(-1)!)).toEqual(all);
      expect(await receivedThrough(second, all.at(-1)!)).toEqual(all.slice(before.length));
      // The second's own stream never runs: it listens to nothing, so no live message piles up for it.
      expect(t.gateway.services.live.listeners()).toBe(1);
    } finally {
      first.dispose();
      second.dispose();
    }
  });
});

describe('orderEvents(after) moves onto the running execution once its replay is over', () => {
  it('gets every event once, in commit order, across the seam, with events committed during its replay, and then listens no more on its own', async () => {
    await listening(0);
    const liveOnly = subscribe(ORDER_EVENTS, {});
    await listening(1);
    const from = await latestCursor();
    await createOrders(2); // committed while the resumed consumer was away
    const committing = createOrders(3); // committed while it replays
    const resumed = subscribe(ORDER_EVENTS, { after: from });
    try {
      await committing;
      // Its own stream stops listening once it has moved: one live queue, the running execution's.
      await listening(1);
      await createOrders(2);
      const all = await committedAfter(from);
      expect(all).toHaveLength(14);
      expect(await receivedThrough(resumed, all.at(-1)!)).toEqual(all);
      expect(await receivedThrough(liveOnly, all.at(-1)!)).toEqual(all);
      expect(resumed.errors).toEqual([]);
      expect(t.gateway.services.live.listeners()).toBe(1);
      // Both are still open subscriptions, as the metrics count them.
      expect(await openOrderEvents()).toBe(2);
    } finally {
      liveOnly.dispose();
      resumed.dispose();
    }
    await listening(0);
    await waitFor(async () => ((await openOrderEvents()) === 0 ? true : undefined));
  });

  it('becomes the running execution when there is none: later subscribers, resumed or not, join it', async () => {
    await listening(0);
    const from = await latestCursor();
    await createOrders(1);
    const first = subscribe(ORDER_EVENTS, { after: from });
    try {
      const replayed = await committedAfter(from);
      expect(await receivedThrough(first, replayed.at(-1)!)).toEqual(replayed);
      const liveOnly = subscribe(ORDER_EVENTS, {});
      const second = subscribe(ORDER_EVENTS, { after: from });
      try {
        expect(await receivedThrough(second, replayed.at(-1)!)).toEqual(replayed);
        await waitFor(async () => ((await openOrderEvents()) === 3 ? true : undefined));
        await listening(1);
        await createOrders(2);
        const all = await committedAfter(from);
        for (const events of [first, second]) expect(await receivedThrough(events, all.at(-1)!)).toEqual(all);
        expect(await receivedThrough(liveOnly, all.at(-1)!)).toEqual(all.slice(replayed.length));
        expect(t.gateway.services.live.listeners()).toBe(1);
      } finally {
        liveOnly.dispose();
        second.dispose();
      }
      // The first's execution ran for the others; it goes on for its own subscriber.
      await createOrders(1);
      const all = await committedAfter(from);
      expect(await receivedThrough(first, all.at(-1)!)).toEqual(all);
    } finally {
      first.dispose();
    }
    await listening(0);
  });
});

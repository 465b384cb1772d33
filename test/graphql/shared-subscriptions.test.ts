import type { ExecutionResult } from 'graphql';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { SharedSubscriptions } from '../../src/graphql/shared-subscriptions.js';
import { StreamPosition } from '../../src/lib/stream-position.js';

/** A stream the test pushes into, recording whether it was started and closed. */
function stream() {
  const queue: ExecutionResult[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  let failure: Error | undefined;
  const state = { started: false, closed: false };
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      state.started = true;
      while (!queue.length && !ended && !failure) await new Promise<void>((resolve) => (wake = resolve));
      if (failure) throw failure;
      if (queue.length) return { value: queue.shift()!, done: false };
      return { value: undefined, done: true };
    },
    async return() {
      state.closed = true;
      ended = true;
      wake?.();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return {
    iterator,
    state,
    push(result: ExecutionResult) {
      queue.push(result);
      wake?.();
    },
    fail(error: Error) {
      failure = error;
      wake?.();
    },
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('SharedSubscriptions', () => {
  it('runs one stream per key and gives each result to every subscriber', async () => {
    const shared = new SharedSubscriptions();
    const first = stream();
    const second = stream();
    const a = (await shared.join('k', () => first.iterator)) as AsyncIterator<ExecutionResult>;
    const b = (await shared.join('k', () => second.iterator)) as AsyncIterator<ExecutionResult>;
    expect(shared.streams).toBe(1);
    first.push({ data: { n: 1 } });
    expect(await a.next()).toEqual({ value: { data: { n: 1 } }, done: false });
    expect(await b.next()).toEqual({ value: { data: { n: 1 } }, done: false });
    expect(second.state.started).toBe(false); // the second subscriber's own stream never runs
  });

  it('keeps the stream for the others when a subscriber leaves, and closes it with the last one', async () => {
    const shared = new SharedSubscriptions();
    const first = stream();
    const second = stream();
    const a = (await shared.join('k', () => first.iterator)) as AsyncIterator<ExecutionResult>;
    const b = (await shared.join('k', () => second.iterator)) as AsyncIterator<ExecutionResult>;
    await a.return!();
    expect(first.state.closed).toBe(false);
    first.push({ data: { n: 2 } });
    expect(await b.next()).toEqual({ value: { data: { n: 2 } }, done: false });
    await b.return!();
    await tick();
    expect(second.state.closed).toBe(true);
    expect(first.state.closed).toBe(true);
    expect(shared.streams).toBe(0);
  });

  it('keeps different keys apart', async () => {
    const shared = new SharedSubscriptions();
    const first = stream();
    const second = stream();
    const a = (await shared.join('merchant-a', () => first.iterator)) as AsyncIterator<ExecutionResult>;
    const b = (await shared.join('merchant-b', () => second.iterator)) as AsyncIterator<ExecutionResult>;
    expect(shared.streams).toBe(2);
    first.push({ data: { to: 'a' } });
    second.push({ data: { to: 'b' } });
    expect((await a.next()).value).toEqual({ data: { to: 'a' } });
    expect((await b.next()).value).toEqual({ data: { to: 'b' } });
  });

  it('answers a subscribe that failed to that subscriber alone', async () => {
    const shared = new SharedSubscriptions();
    const refused: ExecutionResult = { errors: [new GraphQLError('Not authorized')] };
    expect(await shared.join('k', () => refused)).toBe(refused);
    expect(shared.streams).toBe(0);
  });

  it('delivers JSON text, serialised once, to subscribers that take it', async () => {
    const shared = new SharedSubscriptions();
    const first = stream();
    const frames: string[][] = [[], []];
    await shared.join(
      'k',
      () => first.iterator,
      (json) => frames[0]!.push(json),
    );
    await shared.join(
      'k',
      () => stream().iterator,
      (json) => frames[1]!.push(json),
    );
    first.push({ data: { orderEvents: { status: 'SUCCEEDED' } } });
    await tick();
    expect(frames[0]).toEqual(['{"data":{"orderEvents":{"status":"SUCCEEDED"}}}']);
    expect(frames[1]).toEqual(frames[0]);
  });

  it('ends every subscriber with the error when the stream fails', async () => {
    const shared = new SharedSubscriptions();
    const first = stream();
    const a = (await shared.join('k', () => first.iterator)) as AsyncIterator<ExecutionResult>;
    const b = (await shared.join('k', () => stream().iterator)) as AsyncIterator<ExecutionResult>;
    first.fail(new Error('pubsub gone'));
    await expect(a.next()).rejects.toThrow('pubsub gone');
    await expect(b.next()).rejects.toThrow('pubsub gone');
    expect(shared.streams).toBe(0);
  });
});

/**
 * A stream of numbered events that keeps its StreamPosition as the event stream does
 * (src/orders/event-stream.ts): an event is passed when it is read, yielded if it matches; waiting
 * for the next one, it is idle; released, it reads no more until it is closed.
 */
function numbered(after: number | null) {
  const position = new StreamPosition();
  position.passed = position.from = after === null ? null : BigInt(after);
  const queue: { seq: number; matches: boolean }[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  let released = false;
  position.onRelease(() => {
    released = true;
    wake?.();
  });
  async function* events(): AsyncGenerator<ExecutionResult> {
    while (!closed) {
      const event = released ? undefined : queue.shift();
      if (!event) {
        if (!released) position.onIdle?.();
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      const seq = BigInt(event.seq);
      position.from ??= seq - 1n;
      position.passed = seq;
      if (!event.matches) continue;
      position.yielded = seq;
      yield { data: { seq: event.seq } };
    }
  }
  const iterator = events();
  // As the event stream does: closing wakes a stream that waits, so that it ends.
  const close = iterator.return.bind(iterator);
  iterator.return = (value) => {
    closed = true;
    wake?.();
    return close(value);
  };
  return {
    iterator,
    position,
    /** Events read from the database (before `live()`) or live. */
    emit(...seqs: number[]) {
      for (const seq of seqs) queue.push({ seq, matches: true });
      wake?.();
    },
    /** An event its filter skips. */
    skip(seq: number) {
      queue.push({ seq, matches: false });
      wake?.();
    },
    /** The replay is over: what comes now is live. */
    live() {
      position.live = true;
      wake?.();
    },
    get released() {
      return released;
    },
    get closed() {
      return closed;
    },
  };
}

/** A subscriber resumed after event 0, on a stream of its own. */
async function resume(shared: SharedSubscriptions) {
  const own = numbered(0);
  const resumed = (await shared.resume('k', () => own.iterator, own.position)) as AsyncIterator<ExecutionResult>;
  return { own, resumed };
}

/** A resumed subscriber whose replay was event 1 and that now reads live. */
async function liveAfterOne(shared: SharedSubscriptions) {
  const { own, resumed } = await resume(shared);
  own.emit(1);
  own.live();
  expect(await seqs(resumed, 1)).toEqual([1]);
  await tick();
  return { own, resumed };
}

/** Reads `count` results from a subscriber, and their seqs. */
async function seqs(subscriber: AsyncIterator<ExecutionResult>, count: number): Promise<number[]> {
  const read: number[] = [];
  for (let index = 0; index < count; index++) read.push(((await subscriber.next()).value as { data: { seq: number } }).data.seq);
  return read;
}

describe('SharedSubscriptions: a resumed stream moves onto the running one', () => {
  async function running() {
    const shared = new SharedSubscriptions();
    const stream = numbered(null);
    stream.live();
    const watcher = (await shared.join('k', () => stream.iterator, undefined, stream.position)) as AsyncIterator<ExecutionResult>;
    return { shared, stream, watcher };
  }

  it('when the running one is ahead: its own stream catches up first, then it gets what the running one delivered meanwhile and after, each once', async () => {
    const { shared, stream, watcher } = await running();
    stream.emit(1, 2, 3);
    expect(await seqs(watcher, 3)).toEqual([1, 2, 3]);
    const { own, resumed } = await resume(shared);
    own.emit(1, 2);
    expect(await seqs(resumed, 2)).toEqual([1, 2]);
    own.live();
    await tick();
    expect(own.released).toBe(false); // the running one had passed 3, its own stream only 2
    stream.emit(4); // kept for it
    expect(await seqs(watcher, 1)).toEqual([4]);
    own.emit(3, 4);
    stream.emit(5);
    expect(await seqs(resumed, 3)).toEqual([3, 4, 5]);
    expect(own.released).toBe(true);
    expect(await seqs(watcher, 1)).toEqual([5]);
    await resumed.return!();
    expect(own.closed).toBe(true);
    stream.emit(6);
    expect(await seqs(watcher, 1)).toEqual([6]);
  });

  it('when the running one is behind: what it delivers next that the resumed one had already is not sent again', async () => {
    const { shared, stream, watcher } = await running();
    stream.emit(1, 2);
    expect(await seqs(watcher, 2)).toEqual([1, 2]);
    const { own, resumed } = await resume(shared);
    own.emit(1, 2, 3, 4); // its replay reaches further than the running one has read
    expect(await seqs(resumed, 4)).toEqual([1, 2, 3, 4]);
    own.live();
    await tick();
    expect(own.released).toBe(true);
    stream.emit(3, 4, 5);
    expect(await seqs(resumed, 1)).toEqual([5]);
    expect(await seqs(watcher, 3)).toEqual([3, 4, 5]);
  });

  it('waits for the first event of a running one that has read none, and counts events its filter skipped as passed', async () => {
    const { shared, stream, watcher } = await running();
    const { own, resumed } = await liveAfterOne(shared);
    expect(own.released).toBe(false); // where the running one begins is not known yet
    stream.skip(2);
    stream.emit(3); // it covers everything after 1: kept for the resumed one
    expect(await seqs(watcher, 1)).toEqual([3]);
    own.skip(2);
    await tick();
    expect(own.released).toBe(true);
    expect(await seqs(resumed, 1)).toEqual([3]);
  });

  it('becomes the running one when there is none: a later subscriber without a cursor joins it', async () => {
    const shared = new SharedSubscriptions();
    const { own, resumed } = await liveAfterOne(shared);
    expect(shared.streams).toBe(1);
    const later = stream();
    const joined = (await shared.join('k', () => later.iterator)) as AsyncIterator<ExecutionResult>;
    own.emit(2);
    expect(await seqs(resumed, 1)).toEqual([2]);
    expect(await seqs(joined, 1)).toEqual([2]);
    expect(later.state.started).toBe(false);
    expect(own.released).toBe(false);
  });
});

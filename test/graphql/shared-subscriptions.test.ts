import type { ExecutionResult } from 'graphql';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { SharedSubscriptions } from '../../src/graphql/shared-subscriptions.js';

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

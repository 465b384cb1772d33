import type { ExecutionResult } from 'graphql';

/**
 * Subscribers that asked for the same stream (same operation text and variables, same merchant and
 * scopes) share one execution: each event is resolved once, and that one result goes to every
 * subscriber of the stream. A thousand dashboards watching a merchant's `orderEvents` cost one
 * GraphQL execution per event instead of a thousand.
 *
 * A subscriber joins a running execution and gets what it delivers from then on, so only streams
 * that deliver the same to a late joiner may share: websocket.ts keys them, and keeps apart a
 * stream that starts with something of its own (`orderEvents(after:)` replays from its cursor).
 *
 * Every subscriber still goes through Yoga's envelop on subscribe (validation, limits, scope checks,
 * metrics see each one); its own result stream is kept unstarted and closed when it leaves. The
 * first subscriber's stream is the one that runs; when it leaves while others remain, it keeps
 * running for them and is closed with the group.
 *
 * A subscriber with a `deliver` function gets each result as JSON text, serialised once for the
 * whole group (graphql-ws would serialise it again for every subscriber); one without gets the
 * result object through its iterator, as usual.
 */

type Result = ExecutionResult;
export type SubscribeResult = AsyncIterable<Result> | Result;

/** Sends one result, already JSON, to one subscriber. */
export type Deliver = (resultJson: string) => void;

/** A result as graphql-ws puts it on the wire: errors as their JSON form, omitted when absent. */
function resultJson(result: Result): string {
  if (!result.errors) return JSON.stringify(result);
  const { errors, ...rest } = result;
  return JSON.stringify({ ...rest, errors: errors.map((error) => error.toJSON()) });
}

interface Group {
  /** The first member's own stream, the one that runs. */
  source: AsyncIterator<Result>;
  owner: Member;
  members: Set<Member>;
}

class Member implements AsyncIterableIterator<Result> {
  readonly #queue: Result[] = [];
  #head = 0;
  #waiting: ((result: IteratorResult<Result>) => void) | undefined;
  #failWaiting: ((error: unknown) => void) | undefined;
  #done = false;
  #error: { value: unknown } | undefined;

  constructor(
    private readonly own: AsyncIterable<Result>,
    private readonly leave: (member: Member) => void,
    readonly deliver?: Deliver,
  ) {}

  push(result: Result): void {
    if (this.#done) return;
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = this.#failWaiting = undefined;
      resolve({ value: result, done: false });
    } else {
      this.#queue.push(result);
    }
  }

  end(error?: { value: unknown }): void {
    if (this.#done) return;
    this.#done = true;
    this.#error = error;
    const resolve = this.#waiting;
    const reject = this.#failWaiting;
    this.#waiting = this.#failWaiting = undefined;
    if (error && reject) reject(error.value);
    else resolve?.({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<Result>> {
    if (this.#head < this.#queue.length) {
      const value = this.#queue[this.#head]!;
      this.#queue[this.#head++] = undefined as never;
      if (this.#head === this.#queue.length) {
        this.#queue.length = 0;
        this.#head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.#error) {
      const { value } = this.#error;
      this.#error = undefined;
      // Whatever the source stream threw, passed on as it was.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      return Promise.reject(value);
    }
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#waiting = resolve;
      this.#failWaiting = reject;
    });
  }

  async return(): Promise<IteratorResult<Result>> {
    this.end();
    this.#queue.length = 0;
    this.leave(this);
    return { value: undefined, done: true };
  }

  async throw(error: unknown): Promise<IteratorResult<Result>> {
    await this.return();
    throw error;
  }

  /** Closes this subscriber's own (unstarted) stream, so that plugins see it end. */
  closeOwn(): void {
    void (this.own as AsyncIterableIterator<Result>)[Symbol.asyncIterator]().return?.();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

function isAsyncIterable(value: unknown): value is AsyncIterable<Result> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

export class SharedSubscriptions {
  readonly #groups = new Map<string, Group>();

  /** Streams running now (one per distinct key); for tests and metrics. */
  get streams(): number {
    return this.#groups.size;
  }

  /**
   * `subscribe` is this subscriber's own enveloped subscribe. A result that is not a stream (an
   * error) goes back to this subscriber alone; a stream joins the group of `key`.
   */
  async join(key: string, subscribe: () => Promise<SubscribeResult> | SubscribeResult, deliver?: Deliver): Promise<SubscribeResult> {
    const own = await subscribe();
    if (!isAsyncIterable(own)) return own;
    const existing = this.#groups.get(key);
    if (existing) {
      const member = new Member(own, (leaving) => this.#leave(key, existing, leaving), deliver);
      existing.members.add(member);
      return member;
    }
    // The owner's leave callback runs only once the group below exists.
    const owner = new Member(own, (leaving) => this.#leave(key, group, leaving), deliver);
    const group: Group = { source: own[Symbol.asyncIterator](), owner, members: new Set([owner]) };
    this.#groups.set(key, group);
    void this.#pump(key, group);
    return owner;
  }

  async #pump(key: string, group: Group): Promise<void> {
    const { source } = group;
    let error: { value: unknown } | undefined;
    try {
      for (let next = await source.next(); !next.done; next = await source.next()) {
        let json: string | undefined;
        for (const member of group.members) {
          if (member.deliver) member.deliver((json ??= resultJson(next.value)));
          else member.push(next.value);
        }
      }
    } catch (caught) {
      error = { value: caught };
    }
    if (this.#groups.get(key) === group) this.#groups.delete(key);
    for (const member of group.members) {
      member.end(error);
      member.closeOwn();
    }
    group.members.clear();
  }

  #leave(key: string, group: Group, member: Member): void {
    if (!group.members.delete(member)) return;
    // The owner's stream is the one running: it is closed with the group.
    if (member !== group.owner) member.closeOwn();
    if (group.members.size > 0) return;
    if (this.#groups.get(key) === group) this.#groups.delete(key);
    void group.source.return?.();
  }
}

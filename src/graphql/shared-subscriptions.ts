import type { ExecutionResult } from 'graphql';
import type { StreamPosition } from '../lib/stream-position.js';

/**
 * Subscribers that asked for the same stream (same operation text and variables, same merchant and
 * scopes) share one execution: each event is resolved once, and that one result goes to every
 * subscriber of the stream. A thousand dashboards watching a merchant's `orderEvents` cost one
 * GraphQL execution per event instead of a thousand.
 *
 * A subscriber joins a running execution and gets what it delivers from then on, so only streams
 * that deliver the same to a late joiner may share: websocket.ts keys them. A stream that starts
 * with something of its own (`orderEvents(after:)` replays from its cursor) runs on its own first
 * (`resume`), then, once it reads live events, moves to the running execution of its key, or
 * becomes it. Both streams say how far they have read (StreamPosition, in event seqs): from the
 * moment it asks to move, what the running one delivers is kept for the mover; once the mover's
 * own stream has passed everything the running one had passed then, the mover gets what was kept
 * that its own stream had not delivered, and everything after; its own stream stops reading and
 * stays open, idle, until it leaves. No event is missed or delivered twice at the seam.
 *
 * Every subscriber still goes through Yoga's envelop on subscribe (validation, limits, scope checks,
 * metrics see each one); its own result stream is kept unstarted (or idle) and closed when it
 * leaves. The first subscriber's stream is the one that runs; when it leaves while others remain, it
 * keeps running for them and is closed with the group.
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
  /** Its key in the running groups; null while it replays on its own. */
  key: string | null;
  /** The first member's own stream, the one that runs. */
  source: AsyncIterator<Result>;
  owner: Member;
  members: Set<Member>;
  /** How far `source` has read, when its events are numbered. */
  position?: StreamPosition;
  /** The position's `yielded` as of the last result handed out: every result up to it has been. */
  delivered: bigint | null;
  /** A replaying group: the key of the running group it moves to once it reads live. */
  rejoinKey?: string;
  /** Set while it waits to move into `into` (see the top of this file). */
  moving?: Move;
  /** Groups waiting to move into this one. */
  arriving: Set<Group>;
  /** Its members went to another group: its source is released and its pump ends quietly. */
  moved: boolean;
}

interface Move {
  into: Group;
  /** What `into` had passed when the move began (null: nothing yet, then its `from`). */
  passed: bigint | null;
  /** What `into` delivered since, with each result's seq. */
  kept: { seq: bigint | null; result: Result }[];
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

  /** Its group, set when it joins one (and changed when it moves). */
  group!: Group;
  /** Moved from a stream that was ahead: results numbered up to this one it has had already. */
  hadThrough: bigint | null = null;

  /** Sends one result: as JSON through `deliver` (made once per result: `json`), or through the iterator. */
  send(result: Result, json: { text?: string }): void {
    if (this.deliver) this.deliver((json.text ??= resultJson(result)));
    else this.push(result);
  }

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

/** Sends result number `seq` unless the member had it already (see Member.hadThrough). */
function sendNumbered(member: Member, seq: bigint | null, result: Result, json: { text?: string }): void {
  if (member.hadThrough !== null) {
    if (seq !== null && seq <= member.hadThrough) return;
    member.hadThrough = null;
  }
  member.send(result, json);
}

export class SharedSubscriptions {
  readonly #groups = new Map<string, Group>();

  /** Streams running now under a key (one per distinct key); for tests and metrics. */
  get streams(): number {
    return this.#groups.size;
  }

  /**
   * `subscribe` is this subscriber's own enveloped subscribe. A result that is not a stream (an
   * error) goes back to this subscriber alone; a stream joins the group of `key`. `position`: how
   * far this subscriber's stream reads, should it become the running one (others may then move to it).
   */
  async join(key: string, subscribe: () => Promise<SubscribeResult> | SubscribeResult, deliver?: Deliver, position?: StreamPosition): Promise<SubscribeResult> {
    const own = await subscribe();
    if (!isAsyncIterable(own)) return own;
    const existing = this.#groups.get(key);
    if (existing) {
      const member = new Member(own, (leaving) => this.#leave(leaving), deliver);
      this.#add(existing, member);
      return member;
    }
    const group = this.#start(own, deliver, position);
    group.key = key;
    this.#groups.set(key, group);
    return group.owner;
  }

  /**
   * A subscriber whose stream starts with a replay of its own: it runs alone, then moves to the group
   * of `key` once its stream reads live events (see the top of this file). Without a position (its
   * own subscribe failed before the stream began, or its events are not numbered) it stays alone.
   */
  async resume(
    key: string,
    subscribe: () => Promise<SubscribeResult> | SubscribeResult,
    position: StreamPosition,
    deliver?: Deliver,
  ): Promise<SubscribeResult> {
    const own = await subscribe();
    if (!isAsyncIterable(own)) return own;
    const group = this.#start(own, deliver, position);
    group.rejoinKey = key;
    position.onIdle = () => this.#rejoin(group);
    return group.owner;
  }

  #start(own: AsyncIterable<Result>, deliver: Deliver | undefined, position: StreamPosition | undefined): Group {
    const owner = new Member(own, (leaving) => this.#leave(leaving), deliver);
    const group: Group = {
      key: null,
      source: own[Symbol.asyncIterator](),
      owner,
      members: new Set(),
      position,
      delivered: null,
      arriving: new Set(),
      moved: false,
    };
    this.#add(group, owner);
    void this.#pump(group);
    return group;
  }

  #add(group: Group, member: Member): void {
    member.group = group;
    group.members.add(member);
  }

  async #pump(group: Group): Promise<void> {
    const { source } = group;
    let error: { value: unknown } | undefined;
    try {
      for (let next = await source.next(); !next.done && !group.moved; next = await source.next()) {
        const seq = (group.delivered = group.position?.yielded ?? null);
        const json = {};
        for (const member of group.members) sendNumbered(member, seq, next.value, json);
        for (const arriving of group.arriving) arriving.moving!.kept.push({ seq, result: next.value });
        for (const arriving of [...group.arriving]) this.#tryMove(arriving);
        if (group.rejoinKey) this.#rejoin(group);
      }
    } catch (caught) {
      error = { value: caught };
    }
    if (group.moved) return;
    this.#forget(group);
    for (const member of group.members) {
      member.end(error);
      member.closeOwn();
    }
    group.members.clear();
  }

  /** Takes `group` out of the running groups and of any move, to or from it. */
  #forget(group: Group): void {
    if (group.key !== null && this.#groups.get(group.key) === group) this.#groups.delete(group.key);
    group.rejoinKey = undefined;
    if (group.moving) group.moving.into.arriving.delete(group);
    group.moving = undefined;
    for (const arriving of group.arriving) arriving.moving = undefined;
    group.arriving.clear();
  }

  /** A replaying group that reads live: it becomes the running group of its key, or begins to move to it. */
  #rejoin(group: Group): void {
    const key = group.rejoinKey;
    if (!key || !group.position?.live || group.moved) return;
    if (group.moving) return this.#tryMove(group);
    const running = this.#groups.get(key);
    if (!running) {
      group.rejoinKey = undefined;
      group.key = key;
      this.#groups.set(key, group);
      return;
    }
    if (!running.position) {
      group.rejoinKey = undefined; // nothing to find the seam by: it stays on its own
      return;
    }
    group.moving = { into: running, passed: running.position.passed, kept: [] };
    running.arriving.add(group);
    this.#tryMove(group);
  }

  /**
   * Moves `group`'s members into the group it is moving to, once its own stream has delivered
   * everything that one had passed when the move began.
   */
  #tryMove(group: Group): void {
    const move = group.moving;
    const position = group.position;
    if (!move || !position) return;
    const { into } = move;
    if (into.key === null || this.#groups.get(into.key) !== into) {
      // The running group ended meanwhile: try again at the next live event.
      into.arriving.delete(group);
      group.moving = undefined;
      return;
    }
    // A result of its own still on its way to the members: not yet.
    if (position.yielded !== group.delivered) return;
    const covered = position.passed;
    const needed = move.passed ?? into.position?.from ?? null;
    if (covered === null || needed === null || covered < needed) return;
    into.arriving.delete(group);
    group.moving = undefined;
    group.rejoinKey = undefined;
    group.moved = true;
    for (const member of group.members) {
      this.#add(into, member);
      member.hadThrough = covered;
      for (const kept of move.kept) sendNumbered(member, kept.seq, kept.result, {});
    }
    group.members.clear();
    position.release();
  }

  #leave(member: Member): void {
    const group = member.group;
    if (!group.members.delete(member)) return;
    // The owner's stream is the one running: it is closed with the group.
    if (member !== group.owner) member.closeOwn();
    if (group.members.size > 0) return;
    this.#forget(group);
    void group.source.return?.();
  }
}

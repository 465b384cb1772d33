/**
 * How far a stream of numbered events has read, for whoever holds the stream from outside: shared
 * subscriptions (src/graphql/shared-subscriptions.ts) move a resumed subscriber from its own replay
 * onto a running stream by it, with no gap and no duplicate at the seam. The stream writes it
 * (src/orders/event-stream.ts); numbers are the events' `seq`.
 *
 * Every matching event up to `passed` has been yielded: an event is passed before it is yielded,
 * and `yielded` is set in the same step, so a reader that has received everything up to `yielded`
 * has everything the stream covers up to `passed`.
 */
export class StreamPosition {
  /** The last event the stream passed (yielded, or skipped by its filter); `from` before its first. */
  passed: bigint | null = null;
  /** The last event it yielded. */
  yielded: bigint | null = null;
  /** It covers every event after this one: its cursor, or just before its first live event. */
  from: bigint | null = null;
  /** Set once it reads live events (its replay, if any, is over). */
  live = false;
  /** Called each time it waits for a live event, having passed (and yielded) all before. */
  onIdle: (() => void) | undefined;
  #stop: (() => void) | undefined;
  #released = false;

  get released(): boolean {
    return this.#released;
  }

  /** Asks the stream to stop reading: it stays open, idle, until it is closed. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#stop?.();
  }

  /** The stream's own: what `release()` does. */
  onRelease(stop: () => void): void {
    this.#stop = stop;
  }
}

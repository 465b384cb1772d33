/**
 * One subscriber's queue of live messages: an async iterator the router pushes into. Deliberately
 * small (a subscriber can hold one for hours, and a checkout page is one subscriber per order):
 * an array and at most one waiting reader.
 */
export class LiveQueue<T> implements AsyncIterableIterator<T> {
  #queue: T[] = [];
  #waiting: ((result: IteratorResult<T>) => void) | undefined;
  #done = false;

  constructor(private readonly onReturn: (queue: LiveQueue<T>) => void) {}

  push(value: T): void {
    if (this.#done) return;
    const resolve = this.#waiting;
    if (resolve) {
      this.#waiting = undefined;
      resolve({ value, done: false });
    } else {
      this.#queue.push(value);
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#queue.length > 0) return Promise.resolve({ value: this.#queue.shift()!, done: false });
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.#waiting = resolve));
  }

  /** Ends the queue: what is queued is dropped, a waiting reader is told it is done. */
  end(): void {
    if (this.#done) return;
    this.#done = true;
    this.#queue = [];
    const resolve = this.#waiting;
    this.#waiting = undefined;
    resolve?.({ value: undefined, done: true });
  }

  return(): Promise<IteratorResult<T>> {
    this.end();
    this.onReturn(this);
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

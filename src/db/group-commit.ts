/** A group's answer for an item that must wait for the next group (it collides with an earlier item of this one). */
export const NEXT_GROUP: unique symbol = Symbol('next group');

export interface GroupCommitOptions<I, R> {
  /**
   * Runs a group in one transaction: one result per item, in order, or NEXT_GROUP for an item that
   * must go in a later group. The first item is never put off.
   */
  run(items: readonly I[]): Promise<Array<R | typeof NEXT_GROUP>>;
  /** Groups running at once. */
  concurrency: number;
  maxItems: number;
}

interface Waiting<I, R> {
  item: I;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Group commit: an item submitted while `concurrency` groups are running waits, and goes with the
 * others that came meanwhile in the next group, one transaction (one BEGIN, one COMMIT, statements
 * that serve many) for all of them. On an idle gateway an item runs at once, alone. A group that
 * fails is run again one item at a time, so an item's failure is its own.
 */
export class GroupCommit<I, R> {
  readonly #options: GroupCommitOptions<I, R>;
  #waiting: Array<Waiting<I, R>> = [];
  #running = 0;

  constructor(options: GroupCommitOptions<I, R>) {
    this.#options = options;
  }

  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      this.#start();
    });
  }

  #start(): void {
    while (this.#running < this.#options.concurrency && this.#waiting.length > 0) {
      const group = this.#waiting.splice(0, this.#options.maxItems);
      this.#running += 1;
      void this.#run(group).finally(() => {
        this.#running -= 1;
        this.#start();
      });
    }
  }

  async #run(group: Array<Waiting<I, R>>): Promise<void> {
    let results: Array<R | typeof NEXT_GROUP>;
    try {
      results = await this.#options.run(group.map((waiting) => waiting.item));
      if (results.length !== group.length || results[0] === NEXT_GROUP) throw new Error('a group must answer each item and run its first');
    } catch (error) {
      if (group.length === 1) group[0]!.reject(error);
      else for (const waiting of group) await this.#run([waiting]);
      return;
    }
    const putOff: Array<Waiting<I, R>> = [];
    results.forEach((result, index) => {
      if (result === NEXT_GROUP) putOff.push(group[index]!);
      else group[index]!.resolve(result);
    });
    this.#waiting.unshift(...putOff);
  }
}

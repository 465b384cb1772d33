/**
 * How long each phase of a start took, for the one line `npm start` logs (`start phases`) and the
 * `ready in N ms` it prints. Times are wall clock, from the start of this Node process
 * (`performance.now()`), so the first phase, `modules`, is the time spent loading code before
 * `main()` ran. Phases that run side by side each show their own duration.
 */
export class StartupPhases {
  readonly #phases: Array<{ name: string; ms: number }> = [];

  constructor() {
    this.#phases.push({ name: 'modules', ms: performance.now() });
  }

  /** Runs `work` and records how long it took under `name`. */
  async time<T>(name: string, work: () => Promise<T> | T): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.#phases.push({ name, ms: performance.now() - started });
    }
  }

  /** Milliseconds since this process started. */
  elapsedMs(): number {
    return Math.round(performance.now());
  }

  /** `{ modules: 812, config: 3, … }`, rounded to whole milliseconds. */
  toJSON(): Record<string, number> {
    return Object.fromEntries(this.#phases.map(({ name, ms }) => [name, Math.round(ms)]));
  }

  /** `modules 812 ms, config 3 ms, …` */
  toString(): string {
    return this.#phases.map(({ name, ms }) => `${name} ${Math.round(ms)} ms`).join(', ');
  }
}

import type { Cluster } from './cluster.js';
import type { Load } from './load.js';
import type { FaultKind, PlannedFault } from './schedule.js';

/**
 * Applies the planned faults at their times, and heals them all at the end. Faults registered at
 * the sandbox apply to the next matching request or callback; those still unused when the run heals
 * are counted as not injected.
 */

const CALLBACK_MODES: Partial<Record<FaultKind, string>> = {
  'callback-dropped': 'drop',
  'callback-never-sent': 'never',
  'callback-duplicated': 'duplicate',
  'callback-reordered': 'reorder',
  'callback-delayed': 'delay',
};

export class FaultInjector {
  /** Per kind: applied (or registered and used), and registered but never used. */
  readonly injected = new Map<FaultKind, number>();
  readonly #sandboxFaults = new Map<number, FaultKind>();
  readonly #callbackFaults = new Map<number, FaultKind>();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #healed = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly load: Load,
    private readonly log: (message: string) => void,
  ) {}

  async #sandbox(method: string, path: string, body?: unknown): Promise<any> {
    const response = await fetch(`${this.cluster.sandboxUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await response.json();
    if (!response.ok) throw new Error(`sandbox ${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  }

  #count(kind: FaultKind, by = 1): void {
    this.injected.set(kind, (this.injected.get(kind) ?? 0) + by);
  }

  async #apiFault(kind: FaultKind, fault: Record<string, unknown>): Promise<void> {
    const added = (await this.#sandbox('POST', '/sandbox/faults', fault)) as { id: number };
    this.#sandboxFaults.set(added.id, kind);
    this.#count(kind);
  }

  async #callbackFault(kind: FaultKind, fault: Record<string, unknown>): Promise<void> {
    const added = (await this.#sandbox('POST', '/sandbox/callback-faults', fault)) as { id: number };
    this.#callbackFaults.set(added.id, kind);
    this.#count(kind);
  }

  /** After `ms`, unless healed first (heal does the same at once). */
  #after(ms: number, run: () => Promise<unknown> | void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#track(Promise.resolve().then(run));
    }, ms);
    this.#timers.add(timer);
  }

  #track(promise: Promise<unknown>): void {
    const tracked = promise.catch((error: unknown) => this.log(`fault: ${(error as Error).message}`)).finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
  }

  apply(fault: PlannedFault): void {
    if (this.#healed) return;
    this.#track(this.#apply(fault));
  }

  async #apply(fault: PlannedFault): Promise<void> {
    const { kind, detail, instance } = fault;
    switch (kind) {
      case 'create-answer-lost':
        return this.#apiFault(kind, { path: detail.path, mode: detail.mode, count: 1 });
      case 'create-ambiguous-code':
        return this.#apiFault(kind, { path: detail.path, mode: 'answerCode', code: detail.code, store: detail.store, count: 1 });
      case 'inquiry-slow':
        return this.#apiFault(kind, { path: detail.path, mode: 'latency', latencyMs: detail.latencyMs, count: detail.count });
      case 'inquiry-failing':
        return this.#apiFault(
          kind,
          detail.mode === 'http500'
            ? { path: detail.path, mode: 'http500', count: detail.count }
            : { path: detail.path, mode: 'answerCode', code: detail.code, count: detail.count },
        );
      case 'fractional-fee':
        if (detail.on === 'callback') return this.#callbackFault(kind, { mode: 'fractionalFee' });
        return this.#apiFault(kind, { path: '/api/payInInfo', mode: 'fractionalFee', count: 1 });
      case 'callback-delayed':
        return this.#callbackFault(kind, { mode: 'delay', delayMs: detail.delayMs });
      case 'callback-dropped':
      case 'callback-never-sent':
      case 'callback-duplicated':
      case 'callback-reordered':
        return this.#callbackFault(kind, { mode: CALLBACK_MODES[kind] });
      case 'late-payment': {
        const before = this.load.stats.latePayments;
        await this.load.latePayment(detail.after as 'EXPIRED' | 'FAILED');
        this.#count(kind, this.load.stats.latePayments - before);
        return;
      }
      case 'instance-killed': {
        const gateway = this.cluster.gateways[instance]!;
        if (!gateway.up || this.cluster.gateways.filter((candidate) => candidate.up).length < 2) return;
        await this.cluster.killGateway(instance);
        this.#count(kind);
        this.log(`killed gateway ${instance} (kill -9) for ${detail.downMs} ms`);
        this.#after(Number(detail.downMs), () => this.#restartGateway(instance));
        return;
      }
      case 'postgres-connections-cut': {
        const cut = await this.cluster.cutPostgres();
        this.#count(kind);
        this.log(`cut ${cut} PostgreSQL connections`);
        return;
      }
      case 'redis-stopped':
        if (this.#redis !== 'up') return;
        this.#redis = 'stopped';
        await this.cluster.killRedis();
        this.#count(kind);
        this.log(`stopped redis for ${detail.downMs} ms`);
        this.#after(Number(detail.downMs), () => this.#redisBack());
        return;
      case 'redis-hung':
        if (this.#redis !== 'up') return;
        this.#redis = 'hung';
        this.cluster.hangRedis();
        this.#count(kind);
        this.log(`hung redis (SIGSTOP) for ${detail.downMs} ms`);
        this.#after(Number(detail.downMs), () => this.#redisBack());
        return;
      case 'proxy-stalled':
        this.cluster.gateways[instance]!.proxy.stall(Number(detail.stallMs));
        this.#count(kind);
        return;
      case 'proxy-reset':
        this.cluster.gateways[instance]!.proxy.reset(2);
        this.#count(kind);
        return;
    }
  }

  #redis: 'up' | 'stopped' | 'hung' = 'up';

  async #redisBack(): Promise<void> {
    if (this.#redis === 'hung') this.cluster.resumeRedis();
    if (this.#redis === 'stopped') await this.cluster.restartRedis();
    this.#redis = 'up';
  }

  readonly #restarting = new Map<number, Promise<void>>();

  /** Once per kill, whoever asks first (the timer or heal). */
  #restartGateway(index: number): Promise<void> {
    if (this.cluster.gateways[index]!.up) return Promise.resolve();
    let restart = this.#restarting.get(index);
    if (!restart) {
      restart = this.cluster
        .startGateway(index, 1)
        .then(() => this.log(`restarted gateway ${index}`))
        .finally(() => this.#restarting.delete(index));
      this.#restarting.set(index, restart);
    }
    return restart;
  }

  /** Ends every fault: sandbox faults cleared (unused ones uncounted), instances and Redis back, proxies clean. */
  async heal(): Promise<void> {
    this.#healed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    // A killed instance restarting goes on in the background past this bound (slow on a busy machine).
    await Promise.race([Promise.all(this.#pending), new Promise((resolve) => setTimeout(resolve, 15_000))]);
    const [api, callbacks] = await Promise.all([this.#sandbox('GET', '/sandbox/faults'), this.#sandbox('GET', '/sandbox/callback-faults')]);
    for (const fault of api.faults as Array<{ id: number; applied: number }>) {
      const kind = this.#sandboxFaults.get(fault.id);
      if (kind && fault.applied === 0) this.#count(kind, -1);
    }
    for (const fault of callbacks.faults as Array<{ id: number; applied: number }>) {
      const kind = this.#callbackFaults.get(fault.id);
      if (kind && fault.applied === 0) this.#count(kind, -1);
    }
    await Promise.all([this.#sandbox('DELETE', '/sandbox/faults'), this.#sandbox('DELETE', '/sandbox/callback-faults')]);
    for (const gateway of this.cluster.gateways) gateway.proxy.heal();
    await this.#redisBack();
    for (const gateway of this.cluster.gateways.filter((candidate) => !candidate.up)) this.#track(this.#restartGateway(gateway.index));
  }
}

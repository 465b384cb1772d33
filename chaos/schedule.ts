import { createHash } from 'node:crypto';

/**
 * The chaos run's fault plan, derived from the seed alone: the same seed, duration and instance
 * count give the same plan (and digest), whatever the machine. What the gateways make of it varies
 * with timing; what is injected, when and where does not.
 */

/** A small seeded PRNG (mulberry32): numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function randomInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** Every kind of fault the run injects, in order of value (what a merchant would lose first). */
export const FAULT_KINDS = [
  'create-answer-lost',
  'create-ambiguous-code',
  'callback-dropped',
  'callback-never-sent',
  'callback-duplicated',
  'callback-reordered',
  'callback-delayed',
  'fractional-fee',
  'inquiry-slow',
  'inquiry-failing',
  'late-payment',
  'instance-killed',
  'postgres-connections-cut',
  'redis-stopped',
  'redis-hung',
  'proxy-stalled',
  'proxy-reset',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Faults of each kind per minute of load (the count is this × minutes, the fraction drawn). */
export const FAULT_RATES: Readonly<Record<FaultKind, number>> = {
  'create-answer-lost': 12,
  'create-ambiguous-code': 6,
  'callback-dropped': 6,
  'callback-never-sent': 4,
  'callback-duplicated': 4,
  'callback-reordered': 4,
  'callback-delayed': 4,
  'fractional-fee': 3,
  'inquiry-slow': 3,
  'inquiry-failing': 4,
  'late-payment': 6,
  'instance-killed': 3,
  'postgres-connections-cut': 3,
  'redis-stopped': 1.5,
  'redis-hung': 1.5,
  'proxy-stalled': 3,
  'proxy-reset': 3,
};

export interface PlannedFault {
  /** Milliseconds after the load starts. */
  atMs: number;
  kind: FaultKind;
  /** The gateway instance it targets (kills, proxies), 0-based. */
  instance: number;
  /** Kind-specific: which path, mode or code, how long. */
  detail: Record<string, string | number | boolean>;
}

const CREATE_PATHS = ['/api/pay/unifiedOrder', '/api/payOut/unifiedOrder'] as const;
const INQUIRY_PATHS = ['/api/payInInfo', '/api/payOutInfo'] as const;

function detailOf(kind: FaultKind, random: () => number): PlannedFault['detail'] {
  switch (kind) {
    case 'create-answer-lost':
      // Mostly after the store (the ambiguous case); sometimes before (nothing stored).
      return { path: pick(random, CREATE_PATHS), mode: random() < 0.75 ? 'dropAfterStore' : 'drop' };
    case 'create-ambiguous-code':
      return { path: pick(random, CREATE_PATHS), code: pick(random, [-1, 5003011, 9999999]), store: random() < 0.6 };
    case 'inquiry-slow':
      return { path: pick(random, INQUIRY_PATHS), latencyMs: randomInt(random, 300, 1_500), count: randomInt(random, 1, 4) };
    case 'inquiry-failing': {
      const path = pick(random, INQUIRY_PATHS);
      const notFoundCode = path === '/api/payInInfo' ? 5003018 : 5003020;
      return { path, mode: random() < 0.5 ? 'http500' : 'answerCode', code: notFoundCode, count: randomInt(random, 1, 4) };
    }
    case 'fractional-fee':
      return { on: random() < 0.6 ? 'callback' : 'inquiry' };
    case 'callback-delayed':
      return { delayMs: randomInt(random, 500, 4_000) };
    case 'late-payment':
      return { after: random() < 0.7 ? 'EXPIRED' : 'FAILED' };
    case 'instance-killed':
      return { downMs: randomInt(random, 1_000, 4_000) };
    case 'redis-stopped':
    case 'redis-hung':
      return { downMs: randomInt(random, 1_000, 3_000) };
    case 'proxy-stalled':
      // Below TARSPAY_TIMEOUT_MS: a request held past the gateway's timeout could reach the sandbox as the gateway gives up.
      return { stallMs: randomInt(random, 500, 2_000) };
    default:
      return {};
  }
}

/** The fault plan: faults spread over the first 85% of the load, so that the run ends with time to heal. */
export function planFaults(options: { seed: number; durationMs: number; instances: number }): PlannedFault[] {
  const random = seededRandom(options.seed);
  const window = Math.max(1, Math.floor(options.durationMs * 0.85));
  const plan: PlannedFault[] = [];
  for (const kind of FAULT_KINDS) {
    const expected = (FAULT_RATES[kind] * options.durationMs) / 60_000;
    const count = Math.floor(expected) + (random() < expected - Math.floor(expected) ? 1 : 0);
    for (let index = 0; index < count; index += 1) {
      plan.push({ atMs: randomInt(random, 0, window), kind, instance: randomInt(random, 0, options.instances - 1), detail: detailOf(kind, random) });
    }
  }
  return plan.sort((a, b) => a.atMs - b.atMs || FAULT_KINDS.indexOf(a.kind) - FAULT_KINDS.indexOf(b.kind));
}

/** A short digest of the plan, printed so two runs can be seen to share one. */
export function planDigest(plan: readonly PlannedFault[]): string {
  return createHash('sha256').update(JSON.stringify(plan)).digest('hex').slice(0, 16);
}

export function countByKind(plan: readonly PlannedFault[]): Map<FaultKind, number> {
  const counts = new Map<FaultKind, number>(FAULT_KINDS.map((kind) => [kind, 0]));
  for (const fault of plan) counts.set(fault.kind, counts.get(fault.kind)! + 1);
  return counts;
}

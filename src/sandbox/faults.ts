import { z } from 'zod';

/**
 * Fault injection on TarsPay's paths (/api/*), for testing how a client copes with a flaky upstream.
 * - drop: the socket is destroyed before the request is processed.
 * - dropAfterStore: processed (an order is created) then the socket is destroyed without an answer.
 * - malformed: 200 with invalid JSON, not processed.
 * - http500: 500 with an HTML body, not processed.
 * - badSign: processed, answered with a `sign` that does not verify.
 * - latency: processed, answered latencyMs later.
 */

export const FAULT_MODES = ['latency', 'http500', 'malformed', 'drop', 'dropAfterStore', 'badSign'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

/** Modes that answer without processing the request. */
export const PRE_PROCESSING_FAULTS: ReadonlySet<FaultMode> = new Set(['drop', 'http500', 'malformed']);

export const faultInputSchema = z.object({
  path: z
    .string()
    .refine((path) => path === '*' || path.startsWith('/api/'), 'path must be "*" or a TarsPay path starting with /api/'),
  mode: z.enum(FAULT_MODES),
  latencyMs: z.number().int().min(0).max(120_000).optional(),
  /** How many matching requests it applies to; 0 = until cleared. */
  count: z.number().int().min(0).default(1),
});

export type FaultInput = z.input<typeof faultInputSchema>;

export interface Fault {
  id: number;
  path: string;
  mode: FaultMode;
  latencyMs: number;
  /** Left to apply; null = until cleared. */
  remaining: number | null;
  applied: number;
}

export class FaultRegistry {
  #faults: Fault[] = [];
  #nextId = 1;

  /** Validates like the HTTP control does; throws a ZodError on bad input. */
  add(input: FaultInput): Fault {
    const parsed = faultInputSchema.parse(input);
    const fault: Fault = {
      id: this.#nextId++,
      path: parsed.path,
      mode: parsed.mode,
      latencyMs: parsed.mode === 'latency' ? (parsed.latencyMs ?? 1_000) : 0,
      remaining: parsed.count === 0 ? null : parsed.count,
      applied: 0,
    };
    this.#faults.push(fault);
    return { ...fault };
  }

  clear(): void {
    this.#faults = [];
  }

  list(): Fault[] {
    return this.#faults.map((fault) => ({ ...fault }));
  }

  /** The first fault matching the path, used up by one; faults apply in the order they were added. */
  take(path: string): Fault | undefined {
    const fault = this.#faults.find((candidate) => candidate.path === '*' || candidate.path === path);
    if (!fault) return undefined;
    fault.applied += 1;
    if (fault.remaining !== null) {
      fault.remaining -= 1;
      if (fault.remaining === 0) this.#faults = this.#faults.filter((candidate) => candidate !== fault);
    }
    return { ...fault };
  }
}

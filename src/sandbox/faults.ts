import { z } from 'zod';
import { TarsPayApiError } from './api-error.js';

/**
 * Fault injection on TarsPay's paths (/api/*), for testing how a client copes with a flaky or
 * ambiguous upstream.
 * - drop: the socket is destroyed before the request is processed.
 * - dropAfterStore: processed (an order is created) then the socket is destroyed without an answer.
 * - malformed: 200 with invalid JSON, not processed.
 * - http500: 500 with an HTML body, not processed.
 * - badSign: processed, answered with a `sign` that does not verify.
 * - latency: processed, answered latencyMs later.
 * - answerCode: answers `{"code": code, "msg": msg}`; with store the request is processed first
 *   (an order is created, a payout holds its balance) and only a successful answer is replaced.
 * - unsigned: processed, answered without `sign`, with `data` merged over the answer's data.
 * - fractionalFee: processed, answered (signed) with `fee` "1050.50" where the answer has a fee (an inquiry).
 */

/** A fee with cents, as TarsPay has been seen to send: the gateway must take it, not refuse the answer. */
export const FRACTIONAL_FEE = '1050.50';

export const FAULT_MODES = ['latency', 'http500', 'malformed', 'drop', 'dropAfterStore', 'badSign', 'answerCode', 'unsigned', 'fractionalFee'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

/** Modes that answer without processing the request (answerCode too, unless it stores). */
export const PRE_PROCESSING_FAULTS: ReadonlySet<FaultMode> = new Set(['drop', 'http500', 'malformed']);

const common = {
  path: z.string().refine((path) => path === '*' || path.startsWith('/api/'), 'path must be "*" or a TarsPay path starting with /api/'),
  /** Honoured by the latency mode; accepted (and ignored) with the others. */
  latencyMs: z.number().int().min(0).max(120_000).optional(),
  /** How many matching requests it applies to; 0 = until cleared. */
  count: z.number().int().min(0).default(1),
};

const answerCodeSchema = z.strictObject({
  ...common,
  mode: z.literal('answerCode'),
  code: z
    .number()
    .int()
    .refine((code) => code !== 0, 'code 0 is success: answerCode answers errors; use mode "unsigned" with data to shape a success answer'),
  msg: z.string().max(500).optional(),
  /** true: process the request first (the order exists afterwards); false: answer without processing. */
  store: z.boolean().default(false),
});

const unsignedSchema = z.strictObject({
  ...common,
  mode: z.literal('unsigned'),
  /** Merged over a successful answer's `data` (the sandbox's own order is not changed). */
  data: z.record(z.string(), z.unknown(), { error: 'an object of fields merged over the answer\'s data, e.g. {"state": 2}' }).optional(),
});

const plainModes = FAULT_MODES.filter((mode): mode is Exclude<FaultMode, 'answerCode' | 'unsigned'> => mode !== 'answerCode' && mode !== 'unsigned');
const plainSchema = z.strictObject({ ...common, mode: z.enum(plainModes) });

export const faultInputSchema = z.discriminatedUnion('mode', [plainSchema, answerCodeSchema, unsignedSchema], {
  error: (issue) => (issue.code === 'invalid_union' ? `mode must be one of ${FAULT_MODES.join(', ')}` : undefined),
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
  /** answerCode only. */
  code?: number;
  msg?: string;
  store?: boolean;
  /** unsigned only (when given). */
  data?: Record<string, unknown>;
}

/** True when the fault answers without the request being processed. */
export function answersBeforeProcessing(fault: Fault): boolean {
  return PRE_PROCESSING_FAULTS.has(fault.mode) || (fault.mode === 'answerCode' && fault.store !== true);
}

function copy(fault: Fault): Fault {
  return { ...fault, ...(fault.data !== undefined && { data: structuredClone(fault.data) }) };
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
    if (parsed.mode === 'answerCode') {
      Object.assign(fault, { code: parsed.code, msg: parsed.msg ?? new TarsPayApiError(parsed.code).message, store: parsed.store });
    }
    if (parsed.mode === 'unsigned' && parsed.data !== undefined) fault.data = structuredClone(parsed.data);
    this.#faults.push(fault);
    return copy(fault);
  }

  clear(): void {
    this.#faults = [];
  }

  list(): Fault[] {
    return this.#faults.map(copy);
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
    return copy(fault);
  }
}

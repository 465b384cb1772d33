import { z } from 'zod';

/**
 * Faults on the callbacks the sandbox sends, each applied to the next callbacks (any order), for
 * testing how a receiver copes with TarsPay's delivery:
 * - drop: the first delivery is lost (resent later as usual).
 * - never: no delivery at all, ever (the merchant learns the state by inquiry or not at all).
 * - duplicate: the first delivery is sent twice at once.
 * - delay: the first delivery leaves delayMs late.
 * - reorder: after this callback, the order's previous callback (an older state) is sent again once.
 * - fractionalFee: the callback carries fee "1050.50" (signed as sent).
 */

export const CALLBACK_FAULT_MODES = ['drop', 'never', 'duplicate', 'delay', 'reorder', 'fractionalFee'] as const;
export type CallbackFaultMode = (typeof CALLBACK_FAULT_MODES)[number];

export const callbackFaultInputSchema = z.strictObject({
  mode: z.enum(CALLBACK_FAULT_MODES, { error: `mode must be one of ${CALLBACK_FAULT_MODES.join(', ')}` }),
  /** How many callbacks it applies to; 0 = until cleared. */
  count: z.number().int().min(0).default(1),
  /** delay only. */
  delayMs: z.number().int().min(0).max(600_000).default(2_000),
});

export type CallbackFaultInput = z.input<typeof callbackFaultInputSchema>;

export interface CallbackFault {
  id: number;
  mode: CallbackFaultMode;
  delayMs: number;
  /** Left to apply; null = until cleared. */
  remaining: number | null;
  applied: number;
}

export class CallbackFaults {
  #faults: CallbackFault[] = [];
  #nextId = 1;

  /** Validates like the HTTP control does; throws a ZodError on bad input. */
  add(input: CallbackFaultInput): CallbackFault {
    const parsed = callbackFaultInputSchema.parse(input);
    const fault: CallbackFault = {
      id: this.#nextId++,
      mode: parsed.mode,
      delayMs: parsed.delayMs,
      remaining: parsed.count === 0 ? null : parsed.count,
      applied: 0,
    };
    this.#faults.push(fault);
    return { ...fault };
  }

  clear(): void {
    this.#faults = [];
  }

  list(): CallbackFault[] {
    return this.#faults.map((fault) => ({ ...fault }));
  }

  /** The oldest fault, used up by one. */
  take(): CallbackFault | undefined {
    const fault = this.#faults[0];
    if (!fault) return undefined;
    fault.applied += 1;
    if (fault.remaining !== null) {
      fault.remaining -= 1;
      if (fault.remaining === 0) this.#faults.shift();
    }
    return { ...fault };
  }
}

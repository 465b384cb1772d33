/** When a failed delivery is tried again, and when the gateway gives up on an endpoint. */
export interface WebhookRetrySchedule {
  /** The delay after the first failure; it doubles per failure up to maxDelayMs. */
  firstMs: number;
  maxDelayMs: number;
  /** An event still failing this long after its first failure disables the endpoint. */
  maxAgeMs: number;
}

/**
 * The delay before attempt `failures + 1`: exponential, capped, with "equal jitter" (half fixed,
 * half random) so that endpoints that failed together do not all come back at the same instant.
 */
export function retryDelayMs(schedule: WebhookRetrySchedule, failures: number, random: () => number = Math.random): number {
  const exponential = Math.min(schedule.maxDelayMs, schedule.firstMs * 2 ** Math.min(Math.max(failures - 1, 0), 40));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

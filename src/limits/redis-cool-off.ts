import type { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.js';

/** 'shared': limits are counted in Redis; 'alone': this instance counts by itself (cool-off, or a probe on its way). */
export type RedisLimitState = 'shared' | 'alone';

export interface RedisCoolOffOptions {
  redis: Redis;
  logger: Logger;
  /** How long this instance limits alone after a failed or timed-out command before it probes Redis again. */
  coolOffMs: number;
  /** Told of every change of state (metrics). */
  onStateChange?: (state: RedisLimitState) => void;
}

/**
 * The one place that decides whether a limit check asks Redis. A command that fails or times out
 * (a hung Redis answers nothing until the command timeout) starts a cool-off: for `coolOffMs` no
 * check waits on Redis, each one counts with this instance's fallback. When the cool-off is over,
 * one PING in the background probes Redis while the checks go on counting alone: an answer brings
 * the shared limits back, no answer starts another cool-off. So a hung Redis costs one command
 * timeout per cool-off, not one per request, and a warning is logged once per cool-off.
 */
export class RedisCoolOff {
  #state: RedisLimitState = 'shared';
  #until = 0;
  #probing = false;
  /** Commands sent to Redis through `attempt` (probes included): what a test observes. */
  commandsSent = 0;

  constructor(private readonly options: RedisCoolOffOptions) {}

  get state(): RedisLimitState {
    return this.#state;
  }

  /**
   * Runs `command` on Redis unless this instance is limiting alone; undefined then, or when the
   * command failed (the caller counts with its fallback).
   */
  async attempt<T>(command: () => Promise<T>): Promise<{ value: T } | undefined> {
    if (this.#state === 'alone') {
      this.#probeWhenDue();
      return undefined;
    }
    this.commandsSent++;
    try {
      return { value: await command() };
    } catch (error) {
      this.#coolOff(error);
      return undefined;
    }
  }

  #coolOff(error: unknown): void {
    // Commands sent before the first failure fail too: one cool-off, one warning.
    if (this.#state === 'alone') return;
    this.#until = Date.now() + this.options.coolOffMs;
    this.#setState('alone');
    this.options.logger.warn(
      { err: (error as Error).message, coolOffMs: this.options.coolOffMs },
      'rate limits: Redis did not answer, limiting per instance for the cool-off, then probing it again',
    );
  }

  #probeWhenDue(): void {
    if (this.#probing || Date.now() < this.#until) return;
    this.#probing = true;
    this.commandsSent++;
    this.options.redis
      .ping()
      .then(
        () => {
          this.#setState('shared');
          this.options.logger.info('rate limits: Redis answers again, limits are shared across instances');
        },
        (error: unknown) => {
          this.#until = Date.now() + this.options.coolOffMs;
          this.options.logger.warn(
            { err: (error as Error).message, coolOffMs: this.options.coolOffMs },
            'rate limits: Redis still does not answer, limiting per instance for another cool-off',
          );
        },
      )
      .finally(() => (this.#probing = false));
  }

  #setState(state: RedisLimitState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.options.onStateChange?.(state);
  }
}

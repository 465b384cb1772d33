import { TableNotFoundException } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/postgresql';
import { appliedMigrationNames } from '../db/orm.js';
import type { LivePubSub } from '../live/pubsub.js';

export interface Readiness {
  status: 'ready' | 'not ready';
  /** The checks that failed, by name. */
  failed: string[];
  database: string;
  migrations: string;
  redis: string;
}

export interface ReadinessOptions {
  orm: MikroORM;
  live: LivePubSub;
  /** Every migration this code ships; each must be recorded as applied. */
  migrations: readonly string[];
  /** A result is reused this long, so a flood of probes costs one check per period. Default 1000. */
  cacheMs?: number;
  /** How long the database and Redis each have to answer. Default 2000. */
  timeoutMs?: number;
}

/**
 * GET /readyz: the instance can serve orders. The database answers, every shipped migration is
 * applied there (a database recreated empty is not ready), and Redis answers when it is configured.
 */
export function createReadinessCheck(options: ReadinessOptions): () => Promise<Readiness> {
  const cacheMs = options.cacheMs ?? 1000;
  let last: { at: number; result: Promise<Readiness> } | undefined;
  return () => {
    if (!last || performance.now() - last.at >= cacheMs) last = { at: performance.now(), result: checkReadiness(options) };
    return last.result;
  };
}

async function checkReadiness(options: ReadinessOptions): Promise<Readiness> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const [schema, redis] = await Promise.all([
    within(checkDatabase(options), timeoutMs, { database: `no answer within ${timeoutMs} ms`, migrations: 'unknown' }),
    options.live.redisHealth(timeoutMs),
  ]);
  const checks = { ...schema, redis };
  const failed = Object.entries(checks)
    .filter(([, value]) => value !== 'ok' && value !== 'not configured')
    .map(([name]) => name);
  return { status: failed.length ? 'not ready' : 'ready', failed, ...checks };
}

async function checkDatabase(options: ReadinessOptions): Promise<{ database: string; migrations: string }> {
  try {
    const applied = await appliedMigrationNames(options.orm);
    const pending = options.migrations.filter((name) => !applied.has(name));
    if (!pending.length) return { database: 'ok', migrations: 'ok' };
    return { database: 'ok', migrations: `${pending.length} not applied (${pending.join(', ')}): run npm run migrate` };
  } catch (error) {
    // undefined_table: raw from `pg` here, or as MikroORM's TableNotFoundException.
    if (error instanceof TableNotFoundException || (error as { code?: unknown }).code === '42P01') {
      return { database: 'ok', migrations: 'none applied (no mikro_orm_migrations table): run npm run migrate' };
    }
    return { database: 'unreachable', migrations: 'unknown' };
  }
}

async function within<T>(check: Promise<T>, timeoutMs: number, late: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([check, new Promise<T>((resolve) => (timer = setTimeout(() => resolve(late), timeoutMs)))]);
  } finally {
    clearTimeout(timer);
  }
}

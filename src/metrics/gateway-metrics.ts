import type { MikroORM } from '@mikro-orm/postgresql';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CallbackAnswer } from '../callbacks/callback.service.js';
import type { RedisLimitState } from '../limits/redis-cool-off.js';
import type { Logger } from '../observability/logger.js';
import type { ReconcileResult } from '../orders/reconciler.js';
import type { TarsPayCallInfo } from '../tarspay/client.js';
import type { WebhookDeliveryStatus } from '../webhooks/webhook-delivery.entity.js';

export const METRIC_PREFIX = 'tarspay_gateway_';

interface OrderCountRow {
  kind: string;
  status: string;
  count: string | number;
  attention: string | number;
}

/** Seconds: 5 ms … 30 s, for HTTP, GraphQL and TarsPay calls alike. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The gateway's Prometheus metrics, in a Registry of this instance's own (tests run several
 * gateways in one process). Labels hold route templates, operation names, endpoints, codes and
 * outcomes: never tokens, keys, order ids or anything a caller can make unbounded.
 */
export class GatewayMetrics {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: `${METRIC_PREFIX}http_request_duration_seconds`,
    help: 'HTTP requests by route, method and status, from arrival to the last byte sent',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  readonly graphqlDuration = new Histogram({
    name: `${METRIC_PREFIX}graphql_operation_duration_seconds`,
    help: 'GraphQL executions (queries and mutations, over HTTP or WebSocket) by operation name and type; outcome error when the result has errors',
    labelNames: ['operation_name', 'operation_type', 'outcome'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  readonly subscriptionsOpen = new Gauge({
    name: `${METRIC_PREFIX}graphql_subscriptions_open`,
    help: 'Subscriptions streaming now, by root field',
    labelNames: ['field'] as const,
    registers: [this.registry],
  });

  readonly subscriptionsStarted = new Counter({
    name: `${METRIC_PREFIX}graphql_subscriptions_started_total`,
    help: 'Subscriptions started, by root field',
    labelNames: ['field'] as const,
    registers: [this.registry],
  });

  readonly upstreamDuration = new Histogram({
    name: `${METRIC_PREFIX}upstream_request_duration_seconds`,
    help: 'Calls to TarsPay by endpoint and outcome (ok, rejected, unavailable, bad_response), each attempt counted',
    labelNames: ['endpoint', 'outcome'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  readonly upstreamErrors = new Counter({
    name: `${METRIC_PREFIX}upstream_errors_total`,
    help: 'Failed calls to TarsPay by endpoint, outcome and TarsPay code ("none" when there was no answer)',
    labelNames: ['endpoint', 'outcome', 'code'] as const,
    registers: [this.registry],
  });

  readonly callbacks = new Counter({
    name: `${METRIC_PREFIX}callbacks_total`,
    help: 'TarsPay callbacks received at /tarspay/notify, by what the gateway did with them',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly latePayments = new Counter({
    name: `${METRIC_PREFIX}late_payments_total`,
    help: 'Payments TarsPay reported for orders that had ended FAILED, EXPIRED or CANCELLED (applied)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly reconcilerResent = new Counter({
    name: `${METRIC_PREFIX}reconciler_creates_resent_total`,
    help: 'Identical creates re-sent for UNKNOWN orders TarsPay could not find',
    registers: [this.registry],
  });

  readonly ordersFlagged = new Counter({
    name: `${METRIC_PREFIX}orders_flagged_for_attention_total`,
    help: 'Orders flagged needsAttention, by reason code (UNRESOLVED_CREATE, PAST_EXPIRY, PAYOUT_STUCK, CALLBACK_NOT_APPLIED, ADOPTION_MISMATCH)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly reconcilerRuns = new Counter({
    name: `${METRIC_PREFIX}reconciler_runs_total`,
    help: 'Reconciliation passes',
    registers: [this.registry],
  });

  readonly reconcilerClaimed = new Counter({
    name: `${METRIC_PREFIX}reconciler_orders_claimed_total`,
    help: 'Orders claimed for a check with TarsPay',
    registers: [this.registry],
  });

  readonly reconcilerChanged = new Counter({
    name: `${METRIC_PREFIX}reconciler_orders_changed_total`,
    help: 'Orders whose status changed after a check with TarsPay',
    registers: [this.registry],
  });

  readonly reconcilerFailedChecks = new Counter({
    name: `${METRIC_PREFIX}reconciler_failed_checks_total`,
    help: 'Checks with TarsPay that got no usable answer (retried later)',
    registers: [this.registry],
  });

  readonly reconcilerLastRun = new Gauge({
    name: `${METRIC_PREFIX}reconciler_last_run_timestamp_seconds`,
    help: 'When the last reconciliation pass ended (Unix time)',
    registers: [this.registry],
  });

  readonly limitsRedisShared = new Gauge({
    name: `${METRIC_PREFIX}limits_redis_shared`,
    help: '1 while rate limits and WebSocket connection caps are counted in Redis; 0 without REDIS_URL or while this instance limits alone (a cool-off after Redis failed or hung)',
    registers: [this.registry],
  });

  readonly limitsRedisCoolOffs = new Counter({
    name: `${METRIC_PREFIX}limits_redis_cool_offs_total`,
    help: 'Times this instance went from limits shared in Redis to limiting alone, after a failed or timed-out Redis command',
    registers: [this.registry],
  });

  readonly webhookDeliveries = new Histogram({
    name: `${METRIC_PREFIX}webhook_delivery_duration_seconds`,
    help: 'Webhook delivery attempts by outcome (succeeded: a 2xx answer; failed: anything else, retried later), from the POST to the end of the answer',
    labelNames: ['outcome'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  readonly webhookEndpointsDisabled = new Counter({
    name: `${METRIC_PREFIX}webhook_endpoints_disabled_total`,
    help: 'Webhook endpoints the gateway disabled because their deliveries failed for the whole retry period (WEBHOOK_RETRY_MAX_AGE_MS)',
    registers: [this.registry],
  });

  constructor(options: { orm: MikroORM; logger: Logger; defaultMetrics?: boolean; orderCountMaxAgeMs?: number }) {
    const { orm, logger } = options;
    const maxAgeMs = options.orderCountMaxAgeMs ?? 30_000;
    // One count for every scrape within maxAgeMs: a scrape flood costs no more than one query per period.
    let counted: { at: number; rows: OrderCountRow[] } | undefined;
    let counting: Promise<void> | undefined;
    const countOnce = async () => {
      try {
        const rows = await orm.em
          .getConnection()
          .execute<OrderCountRow[]>('select kind, status, count(*) as count, count(attention_since) as attention from orders group by kind, status');
        counted = { at: performance.now(), rows };
      } catch (error) {
        logger.warn({ err: error }, 'metrics: orders by status could not be counted');
        counted = { at: performance.now(), rows: counted?.rows ?? [] };
      }
    };
    const freshCounts = async (): Promise<OrderCountRow[]> => {
      if (!counted || performance.now() - counted.at >= maxAgeMs) {
        counting ??= countOnce().finally(() => (counting = undefined));
        await counting;
      }
      return counted!.rows;
    };
    new Gauge({
      name: `${METRIC_PREFIX}orders`,
      help: `Orders in the database by kind and status, all merchants together (counted at most once every ${maxAgeMs / 1000} s, whatever the scrape rate)`,
      labelNames: ['kind', 'status'] as const,
      registers: [this.registry],
      async collect() {
        const rows = await freshCounts();
        this.reset();
        for (const row of rows) this.set({ kind: row.kind, status: row.status }, Number(row.count));
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}orders_needing_attention`,
      help: `Orders flagged needsAttention (a person should look), by kind (counted with ${METRIC_PREFIX}orders)`,
      labelNames: ['kind'] as const,
      registers: [this.registry],
      async collect() {
        const rows = await freshCounts();
        this.reset();
        const byKind = new Map<string, number>();
        for (const row of rows) byKind.set(row.kind, (byKind.get(row.kind) ?? 0) + Number(row.attention));
        for (const [kind, attention] of byKind) this.set({ kind }, attention);
      },
    });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  readonly observeUpstreamCall = (info: TarsPayCallInfo): void => {
    this.upstreamDuration.observe({ endpoint: info.endpoint, outcome: info.outcome }, info.durationMs / 1000);
    if (info.outcome !== 'ok')
      this.upstreamErrors.inc({ endpoint: info.endpoint, outcome: info.outcome, code: info.code === undefined ? 'none' : String(info.code) });
  };

  readonly observeWebhookAttempt = (attempt: { status: WebhookDeliveryStatus; durationMs: number }): void => {
    this.webhookDeliveries.observe({ outcome: attempt.status === 'SUCCEEDED' ? 'succeeded' : 'failed' }, attempt.durationMs / 1000);
  };

  readonly observeLimitStore = (state: RedisLimitState): void => {
    this.limitsRedisShared.set(state === 'shared' ? 1 : 0);
    if (state === 'alone') this.limitsRedisCoolOffs.inc();
  };

  readonly countCallback = (outcome: CallbackAnswer['outcome']): void => {
    this.callbacks.inc({ outcome });
  };

  readonly recordReconcileRun = (result: ReconcileResult): void => {
    this.reconcilerRuns.inc();
    this.reconcilerClaimed.inc(result.claimed);
    this.reconcilerChanged.inc(result.changed);
    this.reconcilerFailedChecks.inc(result.failedChecks);
    this.reconcilerResent.inc(result.resent);
    this.reconcilerLastRun.setToCurrentTime();
  };
}

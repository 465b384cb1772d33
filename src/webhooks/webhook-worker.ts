import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Sql } from '../db/sql.js';
import { v7 as uuidv7 } from 'uuid';
import { inRootSpan } from '../lib/tracing.js';
import type { Logger } from '../observability/logger.js';
import type { KeyRing } from '../merchants/key-encryption.js';
import { Merchant } from '../merchants/merchant.entity.js';
import { readEvents } from '../orders/event-stream.js';
import type { OrderChangeMessage } from '../orders/change-message.js';
import { WebhookClaims } from './webhook-claims.js';
import type { WebhookDeliveryStatus } from './webhook-delivery.entity.js';
import type { PreparedWebhookDocument, WebhookDocuments } from './webhook-documents.js';
import { WebhookError } from './webhook-errors.js';
import { WebhookEventBatches } from './webhook-event-batches.js';
import { retryDelayMs, type WebhookRetrySchedule } from './webhook-retry.js';
import { WebhookBodies, webhookBody } from './webhook-bodies.js';
import { SNIPPET_BYTES, type SendResult, type WebhookSender } from './webhook-sender.js';
import { signWebhook, webhookMessageId, webhookSecretKey } from './webhook-signing.js';
import { endpointSecrets, type EndpointSecretsRow } from './webhook-secrets.js';

export interface WebhookWorkerOptions {
  orm: MikroORM;
  sql: Sql;
  keyRing: KeyRing;
  documents: WebhookDocuments;
  sender: WebhookSender;
  logger: Logger;
  retry: WebhookRetrySchedule;
  /** How often endpoints with work are looked for (events committed by other instances, retries due); 0: only when woken. */
  pollMs: number;
  /** Endpoints delivered to at once by this instance. */
  concurrency: number;
  /** Whole delivery attempts (10 s by default) fit several times in a claim's lease. */
  timeoutMs: number;
  onAttempt?: (attempt: { status: WebhookDeliveryStatus; durationMs: number }) => void;
  onDisabled?: () => void;
}

interface EndpointRow extends EndpointSecretsRow {
  id: string;
  merchant_id: string;
  url: string;
  query: string;
  enabled: boolean;
  delivered_seq: string;
  failed_attempts: number;
  failing_since: string | null;
  next_attempt_at: string | null;
  claimed_by: string | null;
}

const ENDPOINT_COLUMNS = `id, merchant_id, url, query, enabled, delivered_seq, failed_attempts, failing_since, next_attempt_at, claimed_by,
  secret_encrypted, previous_secret_encrypted, previous_secret_expires_at`;
/** Events read per step of an endpoint's run. */
const BATCH = 100;
/** Successful deliveries recorded together (one statement), or after this long, whichever comes first. */
const FLUSH_EVERY = BATCH;
const FLUSH_MS = 200;
/** How long a body rendered (or a batch of events read) for one endpoint serves the others. */
export const SHARED_BODY_MS = 5_000;

interface Delivered {
  message: OrderChangeMessage;
  attempt: number;
  result: SendResult;
}

/**
 * Delivers the merchants' order events to their webhook endpoints from the committed event log:
 * at least once, in commit order per endpoint, each event once per endpoint across instances
 * (WebhookClaims). Each endpoint runs on its own (at most `concurrency` at once), so a slow or
 * failing endpoint holds up only itself; a failed attempt is retried with back-off and jitter until
 * the event has failed for `retry.maxAgeMs`, then the endpoint is disabled.
 */
export class WebhookWorker {
  readonly instanceId = randomUUID();
  readonly #claims: WebhookClaims;
  readonly #running = new Map<string, Promise<void>>();
  readonly #prepared = new Map<string, PreparedWebhookDocument>();
  readonly #bodies = new WebhookBodies(SHARED_BODY_MS);
  readonly #events: WebhookEventBatches;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #again = false;
  #stopped = true;
  /** Whether the last look found an enabled endpoint: without one, a committed event costs no statement. */
  #anyEnabled = true;

  constructor(private readonly options: WebhookWorkerOptions) {
    const leaseMs = Math.max(30_000, 3 * options.timeoutMs);
    this.#events = new WebhookEventBatches(options.sql.query, BATCH, SHARED_BODY_MS);
    this.#claims = new WebhookClaims(options.orm.config.get('clientUrl'), options.sql.query, this.instanceId, leaseMs);
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.wake();
  }

  /** An event was committed here: look now, unless no endpoint is enabled (the poll and endpoint changes find new ones). */
  eventCommitted(): void {
    if (this.#anyEnabled) this.wake();
  }

  /** Looks for work now (an endpoint changed, a run ended, the poll). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#ticking) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#ticking = this.#tick()
      .catch((error: unknown) => this.options.logger.warn({ err: error }, 'webhook endpoints could not be read; will try again'))
      .finally(() => {
        this.#ticking = undefined;
        if (this.#stopped) return;
        if (this.#again) {
          this.#again = false;
          this.wake();
        } else if (this.options.pollMs > 0) {
          this.#timer = setTimeout(() => this.wake(), this.options.pollMs).unref();
        }
      });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#ticking;
    await Promise.all(this.#running.values());
    await this.#claims.close();
    this.options.sender.close();
  }

  async #tick(): Promise<void> {
    const free = this.options.concurrency - this.#running.size;
    if (free <= 0) return;
    const due = await this.options.sql.query<{ id: string }>(
      `select e.id from webhook_endpoints e join merchants m on m.id = e.merchant_id
        where e.enabled and e.delivered_seq < m.event_seq and (e.next_attempt_at is null or e.next_attempt_at <= now())
          and (e.claimed_by is null or e.claimed_by = $1 or e.claimed_until < now() or $2::boolean)
        order by e.next_attempt_at nulls first limit $3`,
      [this.instanceId, this.#claims.locksExclude, free + this.#running.size],
    );
    this.#anyEnabled =
      due.length > 0 ||
      (await this.options.sql.query<{ any: boolean }>(`select exists (select 1 from webhook_endpoints where enabled) as any`))[0]?.any === true;
    for (const { id } of due) {
      if (this.#running.size >= this.options.concurrency) break;
      if (this.#running.has(id)) continue;
      // After a run that ended well, look again at once (more work, a free slot); after a failure, at the next poll.
      const run = this.#runEndpoint(id).then(
        () => {
          this.#running.delete(id);
          this.wake();
        },
        (error: unknown) => {
          this.#running.delete(id);
          this.options.logger.warn({ err: error, endpointId: id }, 'webhook delivery run failed; will try again');
        },
      );
      this.#running.set(id, run);
    }
  }

  async #runEndpoint(endpointId: string): Promise<void> {
    if (!(await this.#claims.claim(endpointId))) return;
    // The merchant the documents run as, read once a run (again after SHARED_BODY_MS: a run through a long backlog).
    let merchant: { entity: Merchant; readAt: number } | undefined;
    try {
      while (!this.#stopped) {
        const [endpoint] = await this.options.sql.query<EndpointRow>(`select ${ENDPOINT_COLUMNS} from webhook_endpoints where id = $1`, [endpointId]);
        if (!endpoint?.enabled || endpoint.claimed_by !== this.instanceId) return;
        // Timestamps arrive as text on the ORM's pool.
        if (endpoint.next_attempt_at && new Date(endpoint.next_attempt_at).getTime() > Date.now()) return;
        const events = await this.#events.after(endpoint.merchant_id, endpoint.delivered_seq);
        if (events.length === 0) return;
        if (!merchant || performance.now() - merchant.readAt > SHARED_BODY_MS) {
          const entity = await this.options.orm.em.fork().findOneOrFail(Merchant, { id: endpoint.merchant_id });
          merchant = { entity, readAt: performance.now() };
        }
        if (!(await this.#deliverBatch(endpoint, events, merchant.entity))) return;
      }
    } finally {
      await this.#claims.release(endpointId);
    }
  }

  /**
   * Delivers `events` in order; false when the run must end (a failure, or the endpoint changed
   * under it). Successes are recorded a few at a time (every FLUSH_EVERY, or FLUSH_MS): one
   * statement moves the endpoint's place and logs them. A crash in between sends those again: at
   * least once.
   */
  async #deliverBatch(endpoint: EndpointRow, events: OrderChangeMessage[], merchant: Merchant): Promise<boolean> {
    const document = this.#prepare(endpoint.query);
    const keys = endpointSecrets(this.options.keyRing, endpoint).map(webhookSecretKey);
    let recorded = endpoint.delivered_seq;
    let position = recorded;
    let failures = endpoint.failed_attempts;
    let pending: Delivered[] = [];
    let flushedAt = performance.now();
    const flush = async (to: string): Promise<boolean> => {
      if (to === recorded) return true;
      const moved = await this.#recordSuccesses(endpoint, recorded, to, pending);
      recorded = to;
      pending = [];
      flushedAt = performance.now();
      return moved;
    };
    for (const message of events) {
      if (this.#stopped) return (await flush(position)) && false;
      if (!document.matches(message)) continue;
      const attempt = failures + 1;
      const result = await this.#send(endpoint, message, () => this.#bodies.body(document, message, merchant), keys, attempt);
      if (!result.ok) {
        if (await flush(position)) await this.#recordFailure(endpoint, position, message, attempt, result);
        return false;
      }
      pending.push({ message, attempt, result });
      position = message.event.seq;
      failures = 0;
      if ((pending.length >= FLUSH_EVERY || performance.now() - flushedAt >= FLUSH_MS) && !(await flush(position))) return false;
    }
    // Events the document's filter left out after the last delivery are passed over too.
    return flush(events.at(-1)!.event.seq);
  }

  #prepare(query: string): PreparedWebhookDocument {
    let prepared = this.#prepared.get(query);
    if (!prepared) {
      if (this.#prepared.size > 1000) this.#prepared.clear();
      prepared = this.options.documents.prepare(query);
      this.#prepared.set(query, prepared);
    }
    return prepared;
  }

  async #send(
    endpoint: Pick<EndpointRow, 'id' | 'url'>,
    message: OrderChangeMessage,
    render: () => Promise<string>,
    keys: Buffer[],
    attempt: number,
  ): Promise<SendResult> {
    const messageId = webhookMessageId(endpoint.id, message.event.seq);
    return inRootSpan('webhook delivery', { attributes: { 'webhook.endpoint_id': endpoint.id, 'webhook.attempt': attempt } }, async (span) => {
      let body: string;
      try {
        body = await render();
      } catch (error) {
        // Counted as a failed attempt, retried like one: a document can fail for one event (a field that errors).
        return { ok: false, httpStatus: null, durationMs: 0, snippet: `not sent: ${(error as Error).message}`.slice(0, SNIPPET_BYTES) };
      }
      const result = await this.options.sender.send(endpoint.url, signWebhook(messageId, body, keys), body);
      span.setAttributes({
        'webhook.outcome': result.ok ? 'succeeded' : 'failed',
        ...(result.httpStatus ? { 'http.response.status_code': result.httpStatus } : {}),
      });
      this.options.onAttempt?.({ status: result.ok ? 'SUCCEEDED' : 'FAILED', durationMs: result.durationMs });
      return result;
    });
  }

  /** The attempt's row in the delivery log, as the values of an insert. */
  #logValues(endpointId: string, merchantId: string, message: OrderChangeMessage, attempt: number, result: SendResult): unknown[] {
    return [
      uuidv7(),
      endpointId,
      merchantId,
      message.event.seq,
      message.event.createdAt,
      webhookMessageId(endpointId, message.event.seq),
      attempt,
      result.ok ? 'SUCCEEDED' : 'FAILED',
      result.httpStatus,
      result.durationMs,
      result.snippet,
    ];
  }

  /** Logs `delivered` and moves the endpoint from `from` to `to`, if it is still there and still this instance's. */
  async #recordSuccesses(endpoint: EndpointRow, from: string, to: string, delivered: Delivered[]): Promise<boolean> {
    const [row] = await this.options.sql.query<{ moved: number }>(
      `with moved as (
         update webhook_endpoints set delivered_seq = $3, failed_attempts = 0, failing_since = null, next_attempt_at = null,
                claimed_until = now() + $5 * interval '1 millisecond'
          where id = $1 and delivered_seq = $2 and claimed_by = $4 and enabled returning id),
       logged as (
         insert into webhook_deliveries (id, endpoint_id, merchant_id, event_seq, event_created_at, message_id, attempt, status, http_status, duration_ms, response_snippet)
         select d.id, $1, $6, d.seq, d.at, d.message_id, d.attempt, 'SUCCEEDED', d.http_status, d.duration_ms, d.snippet
           from unnest($7::uuid[], $8::bigint[], $9::timestamptz[], $10::text[], $11::int[], $12::int[], $13::int[], $14::text[])
             as d(id, seq, at, message_id, attempt, http_status, duration_ms, snippet))
       select count(*)::int as moved from moved`,
      [
        endpoint.id,
        from,
        to,
        this.instanceId,
        this.#leaseMs,
        endpoint.merchant_id,
        delivered.map(() => uuidv7()),
        delivered.map((entry) => entry.message.event.seq),
        delivered.map((entry) => new Date(entry.message.event.createdAt).toISOString()),
        delivered.map((entry) => webhookMessageId(endpoint.id, entry.message.event.seq)),
        delivered.map((entry) => entry.attempt),
        delivered.map((entry) => entry.result.httpStatus),
        delivered.map((entry) => entry.result.durationMs),
        delivered.map((entry) => entry.result.snippet),
      ],
    );
    return row?.moved === 1;
  }

  async #recordFailure(endpoint: EndpointRow, position: string, message: OrderChangeMessage, attempt: number, result: SendResult): Promise<void> {
    const { retry, logger } = this.options;
    const delayMs = retryDelayMs(retry, attempt);
    const [row] = await this.options.sql.query<{ enabled: boolean; failing_since: Date }>(
      `with moved as (
         update webhook_endpoints e set failed_attempts = $12, failing_since = coalesce(e.failing_since, now()),
                next_attempt_at = now() + $13 * interval '1 millisecond',
                enabled = coalesce(e.failing_since, now()) > now() - $14 * interval '1 millisecond',
                disabled_reason = case when coalesce(e.failing_since, now()) > now() - $14 * interval '1 millisecond' then null
                  else 'FAILING: deliveries failed from ' || to_char(e.failing_since at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || ' for longer than the retry period; enable it again (webhookEndpointUpdate) to resume where it stopped' end
          where e.id = $2 and e.delivered_seq = $15 and e.claimed_by = $16 and e.enabled returning e.enabled, e.failing_since),
       logged as (${INSERT_ATTEMPT})
       select * from moved`,
      [...this.#logValues(endpoint.id, endpoint.merchant_id, message, attempt, result), attempt, delayMs, retry.maxAgeMs, position, this.instanceId],
    );
    if (row?.enabled) setTimeout(() => this.wake(), delayMs + 5).unref();
    if (row && !row.enabled) {
      logger.warn(
        { endpointId: endpoint.id, merchantId: endpoint.merchant_id, failingSince: row.failing_since, attempts: attempt },
        'webhook endpoint disabled: its deliveries kept failing for the whole retry period',
      );
      this.options.onDisabled?.();
    }
  }

  get #leaseMs(): number {
    return Math.max(30_000, 3 * this.options.timeoutMs);
  }

  /**
   * Sends one logged delivery's event again, now, outside the endpoint's ordered stream (its place
   * in the stream does not move); the attempt is logged with the same webhook-id.
   */
  async redeliver(merchantId: string, deliveryId: string): Promise<{ endpointId: string }> {
    const { sql } = this.options;
    const [delivery] = await sql.query<{ endpoint_id: string; event_seq: string }>(
      'select endpoint_id, event_seq from webhook_deliveries where id = $1 and merchant_id = $2',
      [deliveryId, merchantId],
    );
    if (!delivery) throw new WebhookError('NOT_FOUND', 'No webhook delivery with this id for this merchant', 'deliveryId');
    const [endpoint] = await sql.query<EndpointRow>(`select ${ENDPOINT_COLUMNS} from webhook_endpoints where id = $1`, [delivery.endpoint_id]);
    const seq = BigInt(delivery.event_seq);
    const [message] = await readEvents(sql.query, merchantId, { after: seq - 1n, before: seq + 1n, limit: 1 });
    if (!endpoint || !message)
      throw new WebhookError('NOT_FOUND', 'The event of this delivery is gone (past EVENT_RETENTION_DAYS), or its endpoint was deleted', 'deliveryId');
    const [{ attempt }] = (await sql.query<{ attempt: number }>(
      'select coalesce(max(attempt), 0) + 1 as attempt from webhook_deliveries where endpoint_id = $1 and event_seq = $2',
      [endpoint.id, delivery.event_seq],
    )) as [{ attempt: number }];
    const document = this.#prepare(endpoint.query);
    const keys = endpointSecrets(this.options.keyRing, endpoint).map(webhookSecretKey);
    const merchant = await this.options.orm.em.fork().findOneOrFail(Merchant, { id: merchantId });
    // Rendered anew: a redelivery is the event as the document gives it now.
    const render = async () => webhookBody(message, await document.render(message, merchant));
    const result = await this.#send(endpoint, message, render, keys, attempt);
    await sql.query(INSERT_ATTEMPT, this.#logValues(endpoint.id, merchantId, message, attempt, result));
    return { endpointId: endpoint.id };
  }
}

const INSERT_ATTEMPT = `insert into webhook_deliveries
  (id, endpoint_id, merchant_id, event_seq, event_created_at, message_id, attempt, status, http_status, duration_ms, response_snippet)
  values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`;

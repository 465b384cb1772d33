import { GroupCommit, NEXT_GROUP } from '../db/group-commit.js';
import type { Query, Sql } from '../db/sql.js';
import { failSpan, inChildSpan } from '../lib/tracing.js';
import type { Logger } from '../observability/logger.js';
import { adoptionMismatch, attentionCode, type Attention, type Flagged } from '../orders/attention.js';
import type { OrderDecision } from '../orders/order-decision.js';
import { ORDER_COLUMNS, orderFromRow, type OrderRecord } from '../orders/order-row.js';
import type { AlongsideWrite, DecisionWrite } from '../orders/order-store.js';
import type { AppliedReport, LockedOrders, ReportApplier } from '../orders/report-applier.js';
import { verifyCallbackSignature } from '../tarspay/signatures.js';
import { parseCallbackBody, type ParsedCallback } from './callback-body.js';
import type { CallbackOutcome } from './callback-receipt.entity.js';
import { readCallbackReport, type CallbackReport } from './callback-report.js';

export interface CallbackAnswer {
  httpStatus: number;
  body: string;
  /**
   * What was done, as counted in metrics. REPLAY: this content was stored before (TarsPay resending,
   * or anyone replaying it); counted in the receipt's `deliveries`, answered as the first time, never
   * applied again.
   */
  outcome: CallbackOutcome | 'REPLAY' | 'ERROR';
}

interface Stored {
  outcome: CallbackOutcome | 'REPLAY';
  /** For a replay: what the first delivery's outcome was. */
  firstOutcome: CallbackOutcome;
  deliveries: number;
  order: OrderRecord | null;
  mismatch?: string;
  applied?: AppliedReport;
  /** The order flagged for a person by this callback, announced after commit. */
  flagged?: Flagged;
}

/** A callback's ids, checked against each other and against the orders they name. */
interface OrderMatch {
  order: OrderRecord | null;
  /** Why the ids do not name one order of the kind the callback says: nothing is applied. */
  mismatch?: string;
  /** The order's merchantOrderNo names another order at TarsPay (to flag ADOPTION_MISMATCH). */
  foreign?: string;
}

/** What verifying and storing a callback needs of its merchant. */
interface CallbackMerchant {
  id: string;
  mchNo: string;
  platformPublicKey: string;
}

/** The merchants' cache (merchants/merchant-key-cache.ts): by mchNo, read again when `reread`'s key did not verify. */
export interface CallbackMerchants<M extends CallbackMerchant = CallbackMerchant> {
  byMchNo(mchNo: string, options?: { reread?: M }): Promise<M | null>;
}

/** A verified callback on its way to be stored. */
interface Incoming {
  merchant: CallbackMerchant;
  callback: ParsedCallback;
  report: CallbackReport;
  signature: string;
}

/** The orders a callback's ids name, read with their row locks. */
interface NamedOrders {
  byPlatformId: OrderRecord | null;
  byMerchantNo: OrderRecord | null;
}

/**
 * Callbacks stored in one transaction at most, and transactions of callbacks at once (each holds a
 * connection). Two at once made the largest groups for the most callbacks per second in
 * `npm run bench -- --only callbackIngest` (32 senders): 1, 2, 4 and 8 gave 408–435, 451–498,
 * 412–417 and 343–373 per second.
 */
const GROUP_MAX_CALLBACKS = 32;
const GROUPS_AT_ONCE = 2;

/** Outcomes TarsPay must not resend: answered `OK`. MALFORMED and MISMATCH are answered 400. */
const ANSWERED_OK: readonly CallbackOutcome[] = ['APPLIED', 'DUPLICATE', 'IGNORED', 'UNKNOWN_ORDER'];

/**
 * TarsPay's callbacks: verified over the raw bytes with the merchant's platform key (fallback: the
 * compact sorted JSON of exactly what was parsed), stored once per content and applied in one
 * transaction, answered `OK` only after commit, announced to subscribers after commit. Forged
 * callbacks change nothing and store nothing; malformed or mismatched signed ones are stored and
 * refused, and change nothing.
 */
export class CallbackService {
  readonly #groups = new GroupCommit<Incoming, Stored>({
    run: (group) => this.#storeGroup(group),
    concurrency: GROUPS_AT_ONCE,
    maxItems: GROUP_MAX_CALLBACKS,
  });

  constructor(
    private readonly deps: {
      sql: Sql;
      merchants: CallbackMerchants;
      reports: ReportApplier;
      attention: Attention;
      logger: Logger;
      onOutcome?: (outcome: CallbackAnswer['outcome']) => void;
    },
  ) {}

  /** In a span of its own (under the request's, when tracing is on): verify, store and apply, with the outcome; SQL spans are its children. */
  async receive(rawBody: Buffer, signature: string | undefined): Promise<CallbackAnswer> {
    const answer = await inChildSpan('TarsPay callback', {}, async (span) => {
      const answer = await this.#receive(rawBody, signature);
      span?.setAttribute('tarspay.callback.outcome', answer.outcome);
      if (span && answer.outcome === 'ERROR') failSpan(span, undefined, 'callback_not_stored');
      return answer;
    });
    this.deps.onOutcome?.(answer.outcome);
    return answer;
  }

  async #receive(rawBody: Buffer, signature: string | undefined): Promise<CallbackAnswer> {
    const { logger } = this.deps;
    const parsed = parseCallbackBody(rawBody);
    if (!parsed.ok) {
      logger.warn({ bytes: rawBody.length, problem: parsed.problem }, 'security: callback refused, body is not a TarsPay callback (JSON object with mchNo)');
      return { httpStatus: 400, body: `bad request: ${parsed.problem}; expected a JSON TarsPay callback`, outcome: 'MALFORMED' };
    }
    const { callback } = parsed;
    const { body } = callback;
    const { merchant, verified } = await this.#verify(body.mchNo, callback, signature);
    if (!merchant || !verified) {
      logger.warn(
        { mchNo: body.mchNo, payOrderId: body.payOrderId, knownMerchant: merchant !== null, signaturePresent: Boolean(signature) },
        'security: callback refused, X-RESP-SIGNATURE does not verify with the merchant platform key',
      );
      return { httpStatus: 401, body: 'invalid signature', outcome: 'BAD_SIGNATURE' };
    }
    const report = readCallbackReport(body);
    try {
      const stored = await this.#groups.submit({ merchant, callback, report, signature: signature! });
      this.#log(stored, body, report);
      if (stored.flagged) this.deps.attention.announce(stored.flagged);
      return answerFor(stored, report);
    } catch (error) {
      logger.error({ err: error, mchNo: body.mchNo, payOrderId: body.payOrderId }, 'callback could not be stored: TarsPay will resend');
      return { httpStatus: 500, body: 'temporarily unavailable', outcome: 'ERROR' };
    }
  }

  /**
   * The merchant a callback names, and whether its platform key verifies the callback. A key that
   * does not is checked against the row as stored now: it may have been rotated since it was cached.
   */
  async #verify(mchNo: string, callback: ParsedCallback, signature: string | undefined): Promise<{ merchant: CallbackMerchant | null; verified: boolean }> {
    const merchant = await this.deps.merchants.byMchNo(mchNo);
    if (!merchant || !signature) return { merchant, verified: false };
    if (isSignedByTarsPay(merchant, callback, signature)) return { merchant, verified: true };
    const reread = await this.deps.merchants.byMchNo(mchNo, { reread: merchant });
    if (!reread || reread === merchant) return { merchant, verified: false };
    return { merchant: reread, verified: isSignedByTarsPay(reread, callback, signature) };
  }

  /**
   * One transaction for the callbacks that came together (group commit, see GroupCommit): lock
   * every order they name, count the replays, judge each, then write every receipt with the change
   * its callback makes in one statement. A callback that names an order, or carries a content, that an earlier one of the
   * group does waits for the next group, so each is judged exactly as it would be alone. Events are
   * written unnumbered, so the merchant's other callbacks do not wait for these; after commit, the
   * answers wait for the event sequencer, which numbers the events of many callbacks in one short
   * transaction (orders/event-sequencer.ts).
   */
  async #storeGroup(group: readonly Incoming[]): Promise<Array<Stored | typeof NEXT_GROUP>> {
    return this.deps.reports.transaction(async (query, locked) => {
      const named = await lockNamedOrders(query, group);
      const taken = new Set<string>();
      const inThisGroup = group.map((incoming, index) => {
        const keys = [`content ${incoming.merchant.id} ${incoming.callback.contentHash}`];
        for (const order of [named[index]!.byPlatformId, named[index]!.byMerchantNo]) if (order) keys.push(`order ${order.id}`);
        if (keys.some((key) => taken.has(key))) return false;
        for (const key of keys) taken.add(key);
        return true;
      });
      // After the row locks: a concurrent first delivery of the same content has committed by now.
      const replays = await countReplays(
        query,
        group.filter((_, index) => inThisGroup[index]),
      );
      const results: Array<Stored | typeof NEXT_GROUP> = [];
      const judged: Array<{ stored: Stored; write: DecisionWrite }> = [];
      for (const [index, incoming] of group.entries()) {
        const { byPlatformId, byMerchantNo } = named[index]!;
        const replay = replays.get(replayKey(incoming.merchant.id, incoming.callback.contentHash));
        if (!inThisGroup[index]) results.push(NEXT_GROUP);
        else if (replay) results.push({ outcome: 'REPLAY', firstOutcome: replay.outcome, deliveries: replay.deliveries, order: byPlatformId ?? byMerchantNo });
        else {
          const verdict = await this.#judge(query, locked, incoming, named[index]!);
          judged.push(verdict);
          results.push(verdict.stored);
        }
      }
      // Every receipt, with the change and event of its callback, in one statement.
      const applied = await locked.writeAll(judged.map(({ write }) => write));
      judged.forEach(({ stored }, index) => (stored.applied = applied[index]));
      return results;
    });
  }

  /** Judges a new callback against the order(s) it names (locked): what it is, and its receipt to write with the change it makes. */
  async #judge(query: Query, locked: LockedOrders, incoming: Incoming, named: NamedOrders): Promise<{ stored: Stored; write: DecisionWrite }> {
    const { merchant, callback, report, signature } = incoming;
    const match = matchOrder(report, named.byPlatformId, named.byMerchantNo);
    let outcome: CallbackOutcome;
    let decision: OrderDecision | undefined;
    let flagged: Flagged | undefined;
    const { attention } = this.deps;
    if (report.problems.length > 0) {
      outcome = 'MALFORMED';
      // Signed by TarsPay, yet unreadable: kept as a receipt; a person is told and TarsPay is asked now.
      if (match.order && !match.mismatch)
        flagged = await attention.flag(query, match.order.id, 'CALLBACK_NOT_APPLIED', report.problems.join('; '), { checkNow: true });
    } else if (match.mismatch) {
      outcome = 'MISMATCH';
      if (match.foreign && match.order) flagged = await attention.flag(query, match.order.id, 'ADOPTION_MISMATCH', match.foreign);
    } else if (!match.order) outcome = 'UNKNOWN_ORDER';
    else {
      // The order is locked: this decision, judged once, is the one written.
      decision = locked.decide(match.order, {
        status: report.status!,
        source: 'CALLBACK',
        payload: callback.body,
        platformOrderId: report.payOrderId,
        paidAmount: report.paidAmount,
        fee: report.fee,
        failureReason: report.failureReason,
        note: amountNote(match.order, report),
      });
      outcome = decision.verdict === 'apply' ? 'APPLIED' : decision.verdict === 'duplicate' ? 'DUPLICATE' : 'IGNORED';
    }
    const receipt = receiptWrite({ merchant, order: match.order, callback, signature, outcome });
    return {
      stored: { outcome, firstOutcome: outcome, deliveries: 1, order: match.order, mismatch: match.mismatch, flagged },
      write: { decision, alongside: receipt },
    };
  }

  #log(stored: Stored, body: ParsedCallback['body'], report: CallbackReport): void {
    const { logger } = this.deps;
    const fields = {
      mchNo: body.mchNo,
      payOrderId: report.payOrderId,
      mchOrderNo: report.mchOrderNo,
      state: body.state,
      outcome: stored.outcome,
      orderId: stored.order?.id,
    };
    switch (stored.outcome) {
      case 'REPLAY':
        logger.info({ ...fields, firstOutcome: stored.firstOutcome, deliveries: stored.deliveries }, 'callback delivered again: counted, not applied again');
        return;
      case 'MALFORMED':
        logger.warn({ ...fields, problems: report.problems }, 'callback refused: signed but malformed, stored and not applied (answered 400)');
        return;
      case 'MISMATCH':
        logger.warn(
          { ...fields, mismatch: stored.mismatch },
          'security: callback refused, its ids do not name one order: stored and not applied (answered 400)',
        );
        return;
      case 'UNKNOWN_ORDER':
        logger.warn(fields, 'callback for an order this gateway does not know: stored and answered OK');
        return;
      default:
        if (stored.applied?.order.amountMismatch) logger.warn(fields, 'callback applied: paid amount differs from the order amount');
        else logger.info(fields, 'callback received');
    }
  }
}

function isSignedByTarsPay(merchant: CallbackMerchant, callback: ParsedCallback, signature: string | undefined): boolean {
  if (typeof signature !== 'string') return false;
  return verifyCallbackSignature(merchant.platformPublicKey, callback.text, callback.canonical, signature);
}

function answerFor(stored: Stored, report: CallbackReport): CallbackAnswer {
  const outcome = stored.outcome;
  if (ANSWERED_OK.includes(stored.firstOutcome)) return { httpStatus: 200, body: 'OK', outcome };
  if (stored.firstOutcome === 'MISMATCH')
    return { httpStatus: 400, body: 'refused: payOrderId, mchOrderNo and bizType do not name one order of this merchant', outcome };
  return { httpStatus: 400, body: `malformed callback: ${report.problems.join('; ')}`, outcome };
}

/**
 * The orders each callback's ids name, each id looked up on its own, all read in one statement
 * with their row locks, taken in id order (two groups locking orders they share cannot deadlock).
 */
async function lockNamedOrders(query: Query, group: readonly Incoming[]): Promise<NamedOrders[]> {
  const named = group.filter(({ report }) => report.payOrderId !== undefined || report.mchOrderNo !== undefined);
  const rows =
    named.length === 0
      ? []
      : await query(
          `with named (merchant_id, pay_order_id, mch_order_no) as (select * from unnest($1::uuid[], $2::text[], $3::text[]))
           select ${ORDER_COLUMNS} from orders where id in (
             select o.id from named join orders o on o.merchant_id = named.merchant_id and o.platform_order_id = named.pay_order_id
             union all
             select o.id from named join orders o on o.merchant_id = named.merchant_id and o.merchant_order_no = named.mch_order_no
           ) order by id for update`,
          [
            named.map(({ merchant }) => merchant.id),
            named.map(({ report }) => report.payOrderId ?? null),
            named.map(({ report }) => report.mchOrderNo ?? null),
          ],
        );
  const orders = rows.map(orderFromRow);
  return group.map(({ merchant, report: { payOrderId, mchOrderNo } }) => {
    const ofMerchant = orders.filter((order) => order.merchant.id === merchant.id);
    return {
      byPlatformId: payOrderId === undefined ? null : (ofMerchant.find((order) => order.platformOrderId === payOrderId) ?? null),
      byMerchantNo: mchOrderNo === undefined ? null : (ofMerchant.find((order) => order.merchantOrderNo === mchOrderNo) ?? null),
    };
  });
}

/**
 * payOrderId and mchOrderNo must name the same order, and bizType its kind. An order TarsPay's
 * answer never reached (no platformOrderId yet) matched by mchOrderNo is fine: the callback
 * supplies its payOrderId.
 */
function matchOrder(report: CallbackReport, byPlatformId: OrderRecord | null, byMerchantNo: OrderRecord | null): OrderMatch {
  const { payOrderId, mchOrderNo } = report;
  if (byPlatformId && mchOrderNo !== undefined && byPlatformId.merchantOrderNo !== mchOrderNo) {
    return { order: byPlatformId, mismatch: `payOrderId ${payOrderId} is order ${byPlatformId.merchantOrderNo}, not mchOrderNo ${mchOrderNo}` };
  }
  const order = byPlatformId ?? byMerchantNo;
  if (!order) return { order: null };
  if (payOrderId !== undefined && order.platformOrderId && order.platformOrderId !== payOrderId) {
    return { order, mismatch: `mchOrderNo ${mchOrderNo} is TarsPay order ${order.platformOrderId}, not payOrderId ${payOrderId}` };
  }
  if (report.kind && report.kind !== order.kind) {
    return { order, mismatch: `bizType says ${report.kind} but order ${order.merchantOrderNo} is a ${order.kind}` };
  }
  if (attentionCode(order.attentionReason) === 'ADOPTION_MISMATCH') {
    return { order, mismatch: `TarsPay holds a different order under mchOrderNo ${order.merchantOrderNo}: a person settles this order` };
  }
  // Matched by mchOrderNo only (TarsPay never answered this order's create): it must be the same order.
  const foreign = !order.platformOrderId && report.orderAmount !== undefined ? adoptionMismatch(order, { orderAmount: report.orderAmount }) : undefined;
  if (foreign) return { order, mismatch: `mchOrderNo ${order.merchantOrderNo} names another order at TarsPay: ${foreign}`, foreign };
  return { order };
}

function replayKey(merchantId: string, contentHash: string): string {
  return `${merchantId} ${contentHash}`;
}

/** Counts one more delivery of each content already stored: by replayKey, what it was; contents that are new are absent. */
async function countReplays(query: Query, group: readonly Incoming[]): Promise<Map<string, { outcome: CallbackOutcome; deliveries: number }>> {
  const rows = await query<{ merchant_id: string; content_hash: string; outcome: CallbackOutcome; deliveries: number }>(
    `update callback_receipts r set deliveries = r.deliveries + 1, last_received_at = now()
      from unnest($1::uuid[], $2::text[]) as delivered (merchant_id, content_hash)
      where r.merchant_id = delivered.merchant_id and r.content_hash = delivered.content_hash
      returning r.merchant_id, r.content_hash, r.outcome, r.deliveries`,
    [group.map(({ merchant }) => merchant.id), group.map(({ callback }) => callback.contentHash)],
  );
  return new Map(rows.map((row) => [replayKey(row.merchant_id, row.content_hash), { outcome: row.outcome, deliveries: row.deliveries }]));
}

/**
 * The receipt, once its outcome is known, written with the order's change when there is one. ON
 * CONFLICT: the same content stored meanwhile (no order to lock) counts as a delivery.
 */
function receiptWrite(receipt: {
  merchant: CallbackMerchant;
  order: OrderRecord | null;
  callback: ParsedCallback;
  signature: string;
  outcome: CallbackOutcome;
}): AlongsideWrite {
  return {
    cte: (first, name) => `${name} as (
      insert into callback_receipts (mch_no, merchant_id, order_id, raw_body, signature, verified, outcome, content_hash)
      values ($${first}, $${first + 1}, $${first + 2}, $${first + 3}, $${first + 4}, true, $${first + 5}, $${first + 6})
      on conflict (merchant_id, content_hash) do update set deliveries = callback_receipts.deliveries + 1, last_received_at = now())`,
    values: [
      receipt.merchant.mchNo,
      receipt.merchant.id,
      receipt.order?.id ?? null,
      receipt.callback.text,
      receipt.signature,
      receipt.outcome,
      receipt.callback.contentHash,
    ],
  };
}

function amountNote(order: OrderRecord, report: CallbackReport): string | undefined {
  const ordered = report.orderAmount;
  return ordered !== undefined && ordered !== order.amount ? `callback orderAmount ${ordered} differs from the order amount ${order.amount}` : undefined;
}

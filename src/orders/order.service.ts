import { randomBytes } from 'node:crypto';
import type { Logger } from '../observability/logger.js';
import type { Sql } from '../db/sql.js';
import type { Merchant } from '../merchants/merchant.entity.js';
import { findPaymentMethod, type AmountLimit, type PaymentMethodType } from '../tarspay/catalogs.js';
import { TarsPayError } from '../tarspay/errors.js';
import type { InquiryAnswer } from '../tarspay/types.js';
import type { TarsPayClient } from '../tarspay/client.js';
import type { UpstreamClients } from '../tarspay/upstream.js';
import { adoptionMismatch, attentionCode, inquiryFacts, type Attention } from './attention.js';
import type { CheckSchedule } from './check-schedule.js';
import { classifyCreateFailure, createFailureMessage } from './create-outcome.js';
import { OrderError, upstreamErrorCode } from './order-errors.js';
import { collectionRequest, payoutRequest } from './create-requests.js';
import { requestFingerprint } from './fingerprint.js';
import type { OrderReport } from './order-decision.js';
import type { AppliedReport, ReportApplier } from './report-applier.js';
import { toOrderView, type OrderCustomer, type OrderRecord, type OrderView } from './order-row.js';
import { insertSubmittingOrder, readMerchantOrder, readOrder, readOrderByMerchantOrderNo, type NewOrder } from './order-store.js';

export interface CustomerInput {
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  accountNumber?: string | null;
}

export interface CollectionCreateInput {
  amount: string;
  method: string;
  merchantOrderNo?: string | null;
  subject: string;
  description: string;
  returnUrl?: string | null;
  customer?: CustomerInput | null;
}

export interface PayoutCreateInput {
  amount: string;
  bankCode: string;
  accountNumber: string;
  accountName: string;
  merchantOrderNo: string;
  customer: CustomerInput;
  address?: string | null;
}

export interface OrderServiceOptions {
  upstream: UpstreamClients;
  /** Base URL TarsPay reaches: callbacks go to `${publicUrl}/tarspay/notify`. */
  publicUrl: string;
  collectionLimits: Record<PaymentMethodType, AmountLimit>;
  payoutLimit: AmountLimit;
  /** How long TarsPay keeps an unpaid collection open (~30 minutes). */
  collectionExpiryMs?: number;
  logger: Logger;
  /** Every status change goes through it. */
  reports: ReportApplier;
  sql: Sql;
  /** Flags an order whose merchantOrderNo names another order at TarsPay (ADOPTION_MISMATCH). */
  attention: Attention;
  /** When reconciliation first checks a new order. */
  schedule?: CheckSchedule;
}

/**
 * Who asks for a create: the API token's id, and whether it may read the merchant's orders. A retry
 * is answered with the stored order only for the token that created it or one that may read orders;
 * for anyone else the merchantOrderNo is simply taken, whatever they sent (no guessing its fields).
 */
export interface OrderRequester {
  tokenId: string | null;
  mayReadOrders: boolean;
}

/** What TarsPay needs to find an order: an OrderRecord or an Order entity. */
export type OrderIdentity = Pick<OrderView, 'id' | 'kind' | 'platformOrderId' | 'merchantOrderNo'>;

/** A create's order; `replayed` when it already existed for this merchantOrderNo and input. */
export interface CreatedOrder {
  order: OrderRecord;
  replayed: boolean;
}

/** What a re-sent create taught us (reconciliation; see resendCreate); `not-sent` when its attempt could not be counted. */
export type ResendOutcome = 'created' | 'confirmed' | 'unknown' | 'not-sent';

/**
 * Creates orders the safe way round: store first (SUBMITTING), call TarsPay second, record the
 * answer through the state machine. A lost or ambiguous answer leaves the order UNKNOWN for
 * reconciliation; the same merchantOrderNo never reaches TarsPay's create from a client twice.
 */
export class OrderService {
  constructor(readonly options: OrderServiceOptions) {}

  async createCollection(merchant: Merchant, input: CollectionCreateInput, requester?: OrderRequester): Promise<CreatedOrder> {
    const method = findPaymentMethod(input.method);
    if (!method) throw new OrderError('METHOD_NOT_SUPPORTED', `Unknown payment method "${input.method}"`, { field: 'method' });
    checkAmount(input.amount, this.options.collectionLimits[method.type], `for ${method.type} collections`);
    const customer = cleanCustomer(input.customer);
    const merchantOrderNo = input.merchantOrderNo || generateMerchantOrderNo('C');
    const fingerprint = requestFingerprint({ kind: 'COLLECTION', ...input, merchantOrderNo: undefined, customer });
    // Before the order is stored: a merchant whose keys cannot be read gets an error and no order.
    const client = await this.options.upstream.forMerchant(merchant);
    const claim = await this.#claim(
      {
        merchantId: merchant.id,
        kind: 'COLLECTION',
        merchantOrderNo,
        requestFingerprint: fingerprint,
        amount: input.amount,
        method: input.method,
        subject: input.subject,
        description: input.description,
        returnUrl: input.returnUrl ?? null,
        customer,
        // An estimate (TarsPay closes unpaid collections after about 30 minutes) until its answer's expiredTime replaces it.
        expiresAt: new Date(Date.now() + (this.options.collectionExpiryMs ?? 30 * 60_000)),
        createdByToken: requester?.tokenId ?? null,
      },
      requester,
    );
    if (!claim.created) return this.#replay(claim.order);
    return { order: await this.#firstCreate(client, merchant, claim.order), replayed: false };
  }

  async createPayout(merchant: Merchant, input: PayoutCreateInput, requester?: OrderRequester): Promise<CreatedOrder> {
    checkAmount(input.amount, this.options.payoutLimit, 'for payouts');
    const customer = cleanCustomer(input.customer);
    const beneficiary = { accountNumber: input.accountNumber, accountName: input.accountName, address: input.address ?? null };
    const fingerprint = requestFingerprint({ kind: 'PAYOUT', ...input, merchantOrderNo: undefined, customer });
    const client = await this.options.upstream.forMerchant(merchant);
    const claim = await this.#claim(
      {
        merchantId: merchant.id,
        kind: 'PAYOUT',
        merchantOrderNo: input.merchantOrderNo,
        requestFingerprint: fingerprint,
        amount: input.amount,
        method: input.bankCode,
        customer,
        beneficiary,
        createdByToken: requester?.tokenId ?? null,
      },
      requester,
    );
    if (!claim.created) return this.#replay(claim.order);
    return { order: await this.#firstCreate(client, merchant, claim.order), replayed: false };
  }

  /** Sends the create of an order just claimed and records TarsPay's answer, or what its absence proves. */
  async #firstCreate(client: TarsPayClient, merchant: Merchant, order: OrderRecord): Promise<OrderRecord> {
    let answer: OrderReport;
    try {
      answer = await this.#sendCreate(client, merchant, order, 'API');
    } catch (error) {
      const failure = classifyCreateFailure(error);
      const change = await this.options.reports.apply(order.id, {
        status: failure.status,
        source: 'API',
        upstreamCode: failure.upstreamCode,
        upstreamConfirmed: failure.upstreamConfirmed,
        ...(failure.status === 'FAILED'
          ? { failureReason: failure.explanation, note: 'TarsPay refused the create, or it never left' }
          : { note: failure.explanation }),
      });
      const fields = { orderId: order.id, status: change.order.status, upstreamCode: failure.upstreamCode, kind: (error as TarsPayError).kind };
      if (failure.status === 'FAILED') this.options.logger.info(fields, 'create failed: TarsPay refused it, or it never left');
      else this.options.logger.warn(fields, 'create outcome unknown: kept for reconciliation');
      if (!(error instanceof TarsPayError)) throw error;
      throw new OrderError(failure.errorCode, createFailureMessage(failure), { upstreamCode: failure.upstreamCode, order: change.order });
    }
    return (await this.options.reports.apply(order.id, answer, order)).order;
  }

  /**
   * Reconciliation's way to learn about an UNKNOWN order TarsPay's inquiry cannot find: the
   * identical create again, same merchantOrderNo. TarsPay refuses a duplicate ("already exists",
   * which proves the order exists) and otherwise creates it now: the order the merchant asked for,
   * once. A refusal proves nothing here (the first create may have been stored), nor does silence.
   * `countAttempt` counts the create before it is sent (see countCreateAttempt): null, and nothing is sent.
   */
  async resendCreate(merchant: Merchant, order: OrderRecord, countAttempt: () => Promise<number | null>): Promise<ResendOutcome> {
    const client = await this.options.upstream.forMerchant(merchant);
    const attempt = await countAttempt();
    if (attempt === null) return 'not-sent';
    const fields = { orderId: order.id, attempt };
    try {
      const answer = await this.#sendCreate(client, merchant, order, 'RECONCILIATION');
      await this.options.reports.apply(order.id, { ...answer, note: 're-sent the identical create: TarsPay had no record of it and created it now' });
      this.options.logger.info(fields, 're-sent create: TarsPay created the order now');
      return 'created';
    } catch (error) {
      const failure = classifyCreateFailure(error);
      if (failure.upstreamConfirmed) {
        await this.options.reports.apply(order.id, { status: order.status, source: 'RECONCILIATION', upstreamConfirmed: true });
        this.options.logger.info({ ...fields, upstreamCode: failure.upstreamCode }, 're-sent create: TarsPay already holds the order');
        return 'confirmed';
      }
      this.options.logger.warn(
        { ...fields, upstreamCode: failure.upstreamCode, error: (error as Error).message },
        're-sent create: the outcome is still unknown',
      );
      return 'unknown';
    }
  }

  async #sendCreate(client: TarsPayClient, merchant: Merchant, order: OrderRecord, source: OrderReport['source']): Promise<OrderReport> {
    const notifyUrl = this.notifyUrl(merchant);
    if (order.kind === 'PAYOUT') {
      const answer = await client.createPayout(payoutRequest(order, { notifyUrl }));
      // TarsPay answers a payout create with ids only: it is being processed.
      return { status: 'PROCESSING', source, payload: answer.raw, platformOrderId: answer.payOrderId };
    }
    const answer = await client.createCollection(collectionRequest(order, { notifyUrl, defaultReturnUrl: `${this.options.publicUrl}/return` }));
    const { payUrl, payData, payDataType, accountNumber, accountName, typeBank } = answer;
    return {
      status: answer.status,
      source,
      payload: answer.raw,
      platformOrderId: answer.payOrderId,
      payUrl,
      payData,
      expiresAt: answer.expiresAt,
      instructions: withoutUndefined({ accountNumber, accountName, typeBank, payDataType, payWays: answer.raw.payWays }),
    };
  }

  /**
   * Asks TarsPay for the order's state now and applies the answer like any other report. An
   * inquiry that fails, whatever its code, changes nothing.
   */
  /** The merchant's order as it is now, in one statement and no entity (a subscription's snapshot); null when it is not theirs. */
  async view(merchantId: string, id: string): Promise<OrderView | null> {
    const order = await readMerchantOrder(this.options.sql.query, merchantId, id);
    return order ? toOrderView(order) : null;
  }

  async refresh(merchant: Merchant, order: OrderView): Promise<OrderRecord> {
    let answer: InquiryAnswer;
    try {
      answer = await this.inquire(merchant, order);
    } catch (error) {
      if (!(error instanceof TarsPayError)) throw error;
      const code = upstreamErrorCode(error);
      const message = `${error.message}. ${code === 'UPSTREAM_UNAVAILABLE' ? 'TarsPay could not be asked about the order now: try again later' : 'TarsPay refused the inquiry'}; the order is unchanged`;
      throw new OrderError(code, message, { upstreamCode: error.code, order });
    }
    return (await this.applyInquiry(order.id, answer)).order;
  }

  /** TarsPay's inquiry endpoint for the order's kind, by TarsPay's id when known. Throws TarsPayError. */
  async inquire(merchant: Merchant, order: OrderIdentity): Promise<InquiryAnswer> {
    const client = await this.options.upstream.forMerchant(merchant);
    const query = order.platformOrderId ? { payOrderId: order.platformOrderId } : { mchOrderNo: order.merchantOrderNo };
    return order.kind === 'COLLECTION' ? client.collectionInquiry(query) : client.payoutInquiry(query);
  }

  /**
   * Applies TarsPay's inquiry answer to the order, unless it names another order: see #foreignAnswer.
   */
  async applyInquiry(orderId: string, answer: InquiryAnswer): Promise<AppliedReport> {
    const order = await readOrder(this.options.sql.query, orderId);
    if (!order) throw new Error(`order ${orderId} does not exist`);
    const refused = await this.#foreignAnswer(order, answer);
    if (refused) return refused;
    return this.options.reports.apply(
      orderId,
      {
        status: answer.status,
        source: 'RECONCILIATION',
        payload: answer.raw,
        platformOrderId: answer.payOrderId || undefined,
        paidAmount: answer.payAmount,
        fee: answer.fee,
        failureReason: answer.failReason,
      },
      order,
    );
  }

  /**
   * An order TarsPay never answered (no platformOrderId: asked by merchantOrderNo, e.g. after
   * "already exists") is adopted only when TarsPay's order is the same one: same amount, kind and
   * method as far as the answer says them. Otherwise it is flagged ADOPTION_MISMATCH, and such an
   * order never takes TarsPay's state: a person settles it. The order unchanged when refused.
   */
  async #foreignAnswer(order: OrderRecord, answer: InquiryAnswer): Promise<AppliedReport | undefined> {
    const { attention, logger, sql } = this.options;
    let current = order;
    if (attentionCode(order.attentionReason) !== 'ADOPTION_MISMATCH') {
      if (order.platformOrderId) return undefined;
      const differs = adoptionMismatch(order, inquiryFacts(answer));
      if (!differs) return undefined;
      const flagged = await attention.flag(sql.query, order.id, 'ADOPTION_MISMATCH', differs);
      if (flagged) attention.announce(flagged);
      current = (await readOrder(sql.query, order.id)) ?? order;
    }
    logger.warn(
      { orderId: order.id, reported: answer.status, payOrderId: answer.payOrderId, reason: 'ADOPTION_MISMATCH' },
      "TarsPay's answer not applied: its order under this merchantOrderNo is not this one",
    );
    return { order: current, verdict: 'ignore', event: null, latePayment: false };
  }

  notifyUrl(merchant: Merchant): string {
    return merchant.notifyUrl ?? `${this.options.publicUrl}/tarspay/notify`;
  }

  /** Stores the order as SUBMITTING, or finds the one this merchantOrderNo already names (a retry, or a conflict). */
  async #claim(fields: NewOrder, requester: OrderRequester | undefined): Promise<{ order: OrderRecord; created: boolean }> {
    const { query } = this.options.sql;
    const written = await insertSubmittingOrder(query, fields, 'stored before calling TarsPay', this.options.schedule);
    if (written) {
      // Not waited for: the create's answer, applied next, waits for the merchant's events to be numbered.
      void this.options.reports.announceCreated(written);
      return { order: written.order, created: true };
    }
    const existing = await readOrderByMerchantOrderNo(query, fields.merchantId, fields.merchantOrderNo);
    if (!existing) throw new Error(`order ${fields.merchantOrderNo} is neither new nor stored`);
    // Not the creator and no right to read orders: the key is taken, and nothing is compared, so
    // the answer says nothing about what the order holds.
    if (requester && !requester.mayReadOrders && (requester.tokenId === null || existing.createdByToken !== requester.tokenId)) {
      throw new OrderError('IDEMPOTENCY_CONFLICT', `merchantOrderNo "${fields.merchantOrderNo}" is taken: use a new merchantOrderNo`, {
        field: 'merchantOrderNo',
      });
    }
    if (existing.requestFingerprint !== fields.requestFingerprint || existing.kind !== fields.kind) {
      throw new OrderError(
        'IDEMPOTENCY_CONFLICT',
        `merchantOrderNo "${fields.merchantOrderNo}" was already used for a different request; use a new merchantOrderNo`,
        {
          field: 'merchantOrderNo',
        },
      );
    }
    return { order: existing, created: false };
  }

  /** A retry of an order #claim just read: answer with it, never call TarsPay's create again. */
  #replay(order: OrderRecord): CreatedOrder {
    this.options.logger.info({ orderId: order.id, status: order.status }, 'idempotent replay: returning the existing order');
    return { order, replayed: true };
  }
}

function checkAmount(amount: string, limit: AmountLimit, what: string): void {
  const value = BigInt(amount);
  if (value < limit.min) throw new OrderError('INVALID_INPUT', `amount must be at least ${limit.min} ${what}`, { field: 'amount' });
  if (limit.max !== undefined && value > limit.max) throw new OrderError('INVALID_INPUT', `amount must be at most ${limit.max} ${what}`, { field: 'amount' });
}

function cleanCustomer(customer: CustomerInput | null | undefined): OrderCustomer | null {
  if (!customer) return null;
  const cleaned = withoutUndefined({
    name: customer.name ?? undefined,
    email: customer.email ?? undefined,
    phone: customer.phone ?? undefined,
    accountNumber: customer.accountNumber ?? undefined,
  });
  return Object.keys(cleaned).length ? cleaned : null;
}

function withoutUndefined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T;
}

function generateMerchantOrderNo(prefix: string): string {
  return `${prefix}${Date.now().toString(36).toUpperCase()}${randomBytes(5).toString('hex').toUpperCase()}`;
}

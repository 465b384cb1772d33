import { randomBytes } from 'node:crypto';
import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/postgresql';
import type { AmountLimit } from '../config.js';
import { UserFacingError, validationError, type UserErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import { Merchant } from '../merchants/merchant.entity.js';
import { findPaymentMethod, type PaymentMethodType } from '../tarspay/catalogs.js';
import { TarsPayError } from '../tarspay/errors.js';
import type { InquiryAnswer } from '../tarspay/types.js';
import type { UpstreamClients } from '../tarspay/upstream.js';
import { requestFingerprint } from './fingerprint.js';
import { OrderEvent } from './order-event.entity.js';
import { applyOrderUpdate, nextCheckAt, type OrderChange, type OrderUpdate } from './order-updates.js';
import { Order, type OrderBeneficiary, type OrderCustomer, type OrderKind } from './order.entity.js';

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

interface ClaimFields {
  kind: OrderKind;
  merchantOrderNo: string;
  requestFingerprint: string;
  amount: string;
  method: string;
  subject?: string;
  description?: string;
  returnUrl?: string | null;
  customer: OrderCustomer | null;
  beneficiary?: OrderBeneficiary;
  expiresAt?: Date;
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
  /** Called after commit for every change written (applied or ignored). */
  onChange?: (change: OrderChange) => void;
}

/**
 * Creates orders the safe way round: store first (SUBMITTING), call TarsPay second, record the
 * answer through the state machine. A lost answer leaves the order UNKNOWN for reconciliation;
 * the same merchantOrderNo never reaches TarsPay twice.
 */
export class OrderService {
  constructor(readonly options: OrderServiceOptions) {}

  async createCollection(em: EntityManager, merchant: Merchant, input: CollectionCreateInput): Promise<Order> {
    const method = findPaymentMethod(input.method);
    if (!method) throw new UserFacingError({ code: 'METHOD_NOT_SUPPORTED', field: ['input', 'method'], message: `Unknown payment method "${input.method}"` });
    checkAmount(input.amount, this.options.collectionLimits[method.type], `for ${method.type} collections`);
    const customer = cleanCustomer(input.customer);
    const merchantOrderNo = input.merchantOrderNo || generateMerchantOrderNo('C');
    const fingerprint = requestFingerprint({ kind: 'COLLECTION', ...input, merchantOrderNo: undefined, customer });
    const claim = await this.#claim(em, merchant, {
      kind: 'COLLECTION',
      merchantOrderNo,
      requestFingerprint: fingerprint,
      amount: input.amount,
      method: input.method,
      subject: input.subject,
      description: input.description,
      returnUrl: input.returnUrl ?? null,
      customer,
      expiresAt: new Date(Date.now() + (this.options.collectionExpiryMs ?? 30 * 60_000)),
    });
    if (!claim.created) return this.#replay(claim.order);

    const client = await this.options.upstream.forMerchant(merchant);
    try {
      const answer = await client.createCollection({
        mchOrderNo: merchantOrderNo,
        wayCode: input.method,
        amount: input.amount,
        subject: input.subject,
        body: input.description,
        notifyUrl: this.notifyUrl(merchant),
        returnUrl: input.returnUrl || `${this.options.publicUrl}/return`,
        customerName: customer?.name ?? undefined,
        customerEmail: customer?.email ?? undefined,
        customerContact: customer?.phone ?? undefined,
        customerAccountNumber: customer?.accountNumber ?? undefined,
      });
      const { payUrl, payData, accountNumber, accountName, typeBank } = answer;
      return (await this.applyUpdate(em, claim.order.id, {
        status: answer.status,
        source: 'API',
        payload: answer.raw,
        platformOrderId: answer.payOrderId,
        payUrl,
        payData,
        instructions: withoutUndefined({ accountNumber, accountName, typeBank, payWays: answer.raw.payWays }),
      })).order;
    } catch (error) {
      return this.#recordCreateFailure(em, claim.order, error);
    }
  }

  async createPayout(em: EntityManager, merchant: Merchant, input: PayoutCreateInput): Promise<Order> {
    checkAmount(input.amount, this.options.payoutLimit, 'for payouts');
    const customer = cleanCustomer(input.customer);
    const beneficiary = { accountNumber: input.accountNumber, accountName: input.accountName, address: input.address ?? null };
    const fingerprint = requestFingerprint({ kind: 'PAYOUT', ...input, merchantOrderNo: undefined, customer });
    const claim = await this.#claim(em, merchant, {
      kind: 'PAYOUT',
      merchantOrderNo: input.merchantOrderNo,
      requestFingerprint: fingerprint,
      amount: input.amount,
      method: input.bankCode,
      customer,
      beneficiary,
    });
    if (!claim.created) return this.#replay(claim.order);

    const client = await this.options.upstream.forMerchant(merchant);
    try {
      const answer = await client.createPayout({
        mchOrderNo: input.merchantOrderNo,
        wayCode: input.bankCode,
        amount: input.amount,
        notifyUrl: this.notifyUrl(merchant),
        customerName: input.accountName,
        customerAccountNumber: input.accountNumber,
        customerContact: customer?.phone ?? '',
        customerEmail: customer?.email ?? '',
        address: input.address ?? undefined,
      });
      // TarsPay answers a payout create with ids only: it is being processed.
      return (await this.applyUpdate(em, claim.order.id, { status: 'PROCESSING', source: 'API', payload: answer.raw, platformOrderId: answer.payOrderId })).order;
    } catch (error) {
      return this.#recordCreateFailure(em, claim.order, error);
    }
  }

  /** Asks TarsPay for the order's state now and applies the answer like any other report. */
  async refresh(em: EntityManager, merchant: Merchant, order: Order): Promise<Order> {
    let answer: InquiryAnswer;
    try {
      answer = await this.inquire(merchant, order);
    } catch (error) {
      if (!(error instanceof TarsPayError)) throw error;
      if (error.category === 'ORDER_NOT_FOUND') {
        throw new UserFacingError({ code: 'NOT_FOUND', message: 'TarsPay has no record of this order yet', upstreamCode: error.code }, order);
      }
      throw upstreamUserError(error, order);
    }
    return (await this.applyInquiry(em, order.id, answer)).order;
  }

  /** TarsPay's inquiry endpoint for the order's kind, by TarsPay's id when known. Throws TarsPayError. */
  async inquire(merchant: Merchant, order: Pick<Order, 'kind' | 'platformOrderId' | 'merchantOrderNo'>): Promise<InquiryAnswer> {
    const client = await this.options.upstream.forMerchant(merchant);
    const query = order.platformOrderId ? { payOrderId: order.platformOrderId } : { mchOrderNo: order.merchantOrderNo };
    return order.kind === 'COLLECTION' ? client.collectionInquiry(query) : client.payoutInquiry(query);
  }

  applyInquiry(em: EntityManager, orderId: string, answer: InquiryAnswer): Promise<OrderChange> {
    return this.applyUpdate(em, orderId, {
      status: answer.status,
      source: 'RECONCILIATION',
      payload: answer.raw,
      platformOrderId: answer.payOrderId || undefined,
      paidAmount: answer.payAmount,
      fee: answer.fee,
      failureReason: answer.failReason,
    });
  }

  /** Applies an update in its own transaction and tells listeners after commit. */
  async applyUpdate(em: EntityManager, orderId: string, update: OrderUpdate): Promise<OrderChange> {
    const change = await applyOrderUpdate(em, orderId, update);
    this.announce(change, update);
    return change;
  }

  /** Tells listeners about a change; call it only once the change is committed. */
  announce(change: OrderChange, update: Pick<OrderUpdate, 'status' | 'source'>): void {
    if (change.event) this.options.onChange?.(change);
    if (change.verdict === 'ignore') {
      this.options.logger.warn(
        { orderId: change.order.id, status: change.order.status, reported: update.status, source: update.source },
        'order update ignored: it would move the order backwards',
      );
    }
  }

  notifyUrl(merchant: Merchant): string {
    return merchant.notifyUrl ?? `${this.options.publicUrl}/tarspay/notify`;
  }

  async #claim(
    em: EntityManager,
    merchant: Merchant,
    fields: ClaimFields,
  ): Promise<{ order: Order; created: boolean }> {
    const fork = em.fork();
    const order = fork.create(Order, { ...fields, merchant: fork.getReference(Merchant, merchant.id), status: 'SUBMITTING' });
    order.nextCheckAt = nextCheckAt(order);
    fork.create(OrderEvent, { order, status: 'SUBMITTING', previousStatus: null, source: 'API', applied: true, note: 'stored before calling TarsPay' });
    try {
      await fork.flush();
      return { order, created: true };
    } catch (error) {
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
    }
    const existing = await em.fork().findOneOrFail(Order, { merchant: merchant.id, merchantOrderNo: fields.merchantOrderNo });
    if (existing.requestFingerprint !== fields.requestFingerprint || existing.kind !== fields.kind) {
      throw new UserFacingError({
        code: 'IDEMPOTENCY_CONFLICT',
        field: ['input', 'merchantOrderNo'],
        message: `merchantOrderNo "${fields.merchantOrderNo}" was already used for a different request; use a new merchantOrderNo`,
      });
    }
    return { order: existing, created: false };
  }

  /** A retry of an order #claim just read: answer with it, never call TarsPay's create again. */
  #replay(order: Order): Order {
    this.options.logger.info({ orderId: order.id, status: order.status }, 'idempotent replay: returning the existing order');
    return order;
  }

  async #recordCreateFailure(em: EntityManager, order: Order, error: unknown): Promise<never> {
    const upstream = error instanceof TarsPayError ? error : undefined;
    const known = upstream?.outcomeKnown && upstream.category !== 'DUPLICATE_ORDER';
    const update: OrderUpdate = known
      ? { status: 'FAILED', source: 'API', failureReason: upstream!.message, upstreamCode: upstream!.code, note: 'TarsPay refused the create' }
      : { status: 'UNKNOWN', source: 'API', upstreamCode: upstream?.code, note: `create outcome unknown: ${upstream?.message ?? 'internal error'}` };
    const change = await this.applyUpdate(em, order.id, update);
    this.options.logger[known ? 'info' : 'warn']({ orderId: order.id, status: change.order.status, upstreamCode: upstream?.code, kind: upstream?.kind }, known ? 'TarsPay refused the order' : 'TarsPay create outcome unknown: kept for reconciliation');
    if (!upstream) throw error;
    throw upstreamUserError(upstream, change.order);
  }
}

function upstreamUserError(error: TarsPayError, order: Order): UserFacingError {
  if (!error.outcomeKnown || error.category === 'DUPLICATE_ORDER') {
    return new UserFacingError({ code: 'UPSTREAM_UNAVAILABLE', message: `${error.message}. The order is kept and will be reconciled with TarsPay.`, upstreamCode: error.code }, order);
  }
  const codes: Partial<Record<NonNullable<TarsPayError['category']>, UserErrorCode>> = {
    METHOD_NOT_SUPPORTED: 'METHOD_NOT_SUPPORTED',
    INSUFFICIENT_BALANCE: 'INSUFFICIENT_BALANCE',
  };
  return new UserFacingError({ code: codes[error.category!] ?? 'UPSTREAM_REJECTED', message: error.message, upstreamCode: error.code }, order);
}

function checkAmount(amount: string, limit: AmountLimit, what: string): void {
  const value = BigInt(amount);
  if (value < limit.min) throw validationError(['input', 'amount'], `amount must be at least ${limit.min} ${what}`);
  if (limit.max !== undefined && value > limit.max) throw validationError(['input', 'amount'], `amount must be at most ${limit.max} ${what}`);
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

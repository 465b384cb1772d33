import { readFee, readReportedAmount } from './amounts.js';
import { isAbsentOnWire, withoutEmptyValues, type SignableBody } from './message.js';
import { stateFromCode } from './codes.js';
import { TarsPayError } from './errors.js';
import { parseExpiredTime } from './expired-time.js';
import { signRequest, verifyAnswerSign } from './signatures.js';
import type { PrivateKey } from './signer.js';
import { TarsPayTransport, TransportError, type PostAnswer } from './transport.js';
import { SpanKind, type Span } from '@opentelemetry/api';
import { failSpan, recordingParent, startSpan } from '../lib/tracing.js';
import type {
  BalanceAnswer,
  CreateCollectionAnswer,
  CreateCollectionRequest,
  CreatePayoutAnswer,
  CreatePayoutRequest,
  HistoryAnswer,
  HistoryRequest,
  InquiryAnswer,
  InquiryRequest,
} from './types.js';
import { isRecord } from '../lib/is-record.js';

export const TARSPAY_PATHS = {
  createCollection: '/api/pay/unifiedOrder',
  createPayout: '/api/payOut/unifiedOrder',
  collectionInquiry: '/api/payInInfo',
  payoutInquiry: '/api/payOutInfo',
  balance: '/api/balanceInfo',
  transactionHistory: '/api/orderList',
} as const;

/** How answers' `sign` is checked: `off`, `log` (a bad sign is logged, the answer used) or `strict` (only signed answers count). */
export type ResponseSignMode = 'off' | 'log' | 'strict';

export interface TarsPayCallInfo {
  endpoint: string;
  durationMs: number;
  /** 'ok', 'rejected', 'unavailable' or 'bad_response' */
  outcome: 'ok' | TarsPayError['kind'];
  code?: number;
  attempt: number;
}

export interface TarsPayClientOptions {
  baseUrl: string;
  merchantNo: string;
  privateKey: PrivateKey;
  /** TarsPay's system public key; without it response signatures are not checked. */
  platformPublicKey?: string;
  responseSignMode?: ResponseSignMode;
  timeoutMs?: number;
  /** Attempts for inquiries, balance and history (creates are never retried). */
  readAttempts?: number;
  retryBaseDelayMs?: number;
  historyPath?: string;
  onCall?: (info: TarsPayCallInfo) => void;
  onWarning?: (message: string, fields: Record<string, unknown>) => void;
  /** Kept-alive connections to `baseUrl`, shared by the clients of every merchant; made here when absent. */
  transport?: TarsPayTransport;
}

interface Envelope {
  code: number;
  msg?: string;
  data?: unknown;
  sign?: string;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One typed method per TarsPay endpoint. Every request is signed; creates are sent once (an answer
 * lost in transit leaves the outcome unknown: ask with an inquiry, never resend), reads are retried
 * with backoff when no trustworthy answer came.
 */
export class TarsPayClient {
  readonly merchantNo: string;
  readonly #options: Required<Omit<TarsPayClientOptions, 'platformPublicKey' | 'onCall' | 'onWarning' | 'transport'>> &
    Pick<TarsPayClientOptions, 'platformPublicKey' | 'onCall' | 'onWarning'>;
  readonly #transport: TarsPayTransport;
  /** Where calls go, for their spans. */
  readonly #server: URL;
  #lastNonce = 0;

  constructor(options: TarsPayClientOptions) {
    this.merchantNo = options.merchantNo;
    this.#options = {
      responseSignMode: 'log',
      timeoutMs: 15_000,
      readAttempts: 3,
      retryBaseDelayMs: 200,
      historyPath: TARSPAY_PATHS.transactionHistory,
      ...options,
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
    };
    this.#transport = options.transport ?? new TarsPayTransport(options.baseUrl);
    this.#server = new URL(this.#options.baseUrl);
  }

  async createCollection(request: CreateCollectionRequest): Promise<CreateCollectionAnswer> {
    const data = await this.#send(TARSPAY_PATHS.createCollection, { currency: 'IDR', ...request }, 1);
    const expiredTime = parseExpiredTime(data.expiredTime);
    // The order stands either way: it keeps the gateway's estimate of its expiry.
    if (expiredTime.kind === 'unreadable') {
      this.#options.onWarning?.('TarsPay expiredTime not understood: the order keeps its estimated expiry', {
        endpoint: TARSPAY_PATHS.createCollection,
        expiredTime: String(expiredTime.value).slice(0, 64),
      });
    }
    return {
      payOrderId: requiredText(data.payOrderId, TARSPAY_PATHS.createCollection, 'payOrderId'),
      mchOrderNo: optionalText(data.mchOrderNo),
      status: stateFromCode(data.orderState) ?? 'CREATED',
      payUrl: optionalText(data.payUrl),
      payData: optionalText(data.payData),
      payDataType: optionalText(data.payDataType),
      expiresAt: expiredTime.kind === 'at' ? expiredTime.at : undefined,
      accountNumber: optionalText(data.accountNumber),
      accountName: optionalText(data.accountName),
      typeBank: optionalText(data.typeBank),
      raw: data,
    };
  }

  async createPayout(request: CreatePayoutRequest): Promise<CreatePayoutAnswer> {
    const data = await this.#send(TARSPAY_PATHS.createPayout, { currency: 'IDR', ...request }, 1);
    return {
      mchOrderNo: optionalText(data.mchOrderNo) ?? request.mchOrderNo,
      payOrderId: requiredText(data.payOrderId, TARSPAY_PATHS.createPayout, 'payOrderId'),
      raw: data,
    };
  }

  collectionInquiry(request: InquiryRequest): Promise<InquiryAnswer> {
    return this.#inquiry(TARSPAY_PATHS.collectionInquiry, request);
  }

  payoutInquiry(request: InquiryRequest): Promise<InquiryAnswer> {
    return this.#inquiry(TARSPAY_PATHS.payoutInquiry, request);
  }

  async balance(): Promise<BalanceAnswer> {
    const data = await this.#send(TARSPAY_PATHS.balance, {}, this.#options.readAttempts);
    const availableAmount = readReportedAmount(data.availableAmount);
    const frozenAmount = readReportedAmount(data.frozenAmount ?? '0');
    if (availableAmount === undefined || frozenAmount === undefined) {
      throw new TarsPayError({ kind: 'bad_response', endpoint: TARSPAY_PATHS.balance, message: 'TarsPay balance answer has no whole-rupiah amounts' });
    }
    return { availableAmount, frozenAmount, raw: data };
  }

  async transactionHistory(request: HistoryRequest): Promise<HistoryAnswer> {
    const data = await this.#send(this.#options.historyPath, { ...request }, this.#options.readAttempts);
    const records = Array.isArray(data.records) ? (data.records as Record<string, unknown>[]) : [];
    return {
      page: Number(data.current ?? request.pageNumber),
      pages: Number(data.pages ?? 0),
      total: Number(data.total ?? records.length),
      records: records.map((record) => ({ ...record, status: stateFromCode(record.state) }) as HistoryAnswer['records'][number]),
      raw: data,
    };
  }

  /**
   * An inquiry answer fails closed: an unknown state, an amount that is present but not whole
   * rupiah (read as callbacks read it, readReportedAmount; the fee is informational), a paid state without a paid amount, or ids other than the ones asked about make it a
   * bad answer, never an order update.
   */
  async #inquiry(path: string, request: InquiryRequest): Promise<InquiryAnswer> {
    const data = await this.#send(path, { ...request }, this.#options.readAttempts);
    const bad = (what: string) => new TarsPayError({ kind: 'bad_response', endpoint: path, message: `TarsPay answered ${path} with ${what}` });
    const status = stateFromCode(data.state);
    if (!status) throw bad(`an unknown state ${String(data.state)}`);
    const amounts: Record<'orderAmount' | 'payAmount', string | undefined> = { orderAmount: undefined, payAmount: undefined };
    for (const name of ['orderAmount', 'payAmount'] as const) {
      if (isAbsentOnWire(data[name])) continue;
      amounts[name] = readReportedAmount(data[name]);
      if (amounts[name] === undefined) throw bad(`${name} ${JSON.stringify(data[name])}, not whole rupiah`);
    }
    if ((status === 'SUCCEEDED' || status === 'PARTIALLY_PAID') && amounts.payAmount === undefined)
      throw bad(`state ${String(data.state)} without a payAmount`);
    const payOrderId = optionalText(data.payOrderId);
    const mchOrderNo = optionalText(data.mchOrderNo);
    if ((request.payOrderId && payOrderId && payOrderId !== request.payOrderId) || (request.mchOrderNo && mchOrderNo && mchOrderNo !== request.mchOrderNo)) {
      throw bad(`another order (${payOrderId ?? '?'} / ${mchOrderNo ?? '?'}) than the one asked about`);
    }
    return {
      payOrderId: payOrderId ?? request.payOrderId ?? '',
      mchOrderNo: mchOrderNo ?? request.mchOrderNo ?? '',
      status,
      ...amounts,
      // Informational: an unreadable fee is left out, never a reason to refuse the answer.
      fee: readFee(data.fee),
      currency: optionalText(data.currency) ?? 'IDR',
      failReason: typeof data.failReason === 'string' && data.failReason ? data.failReason : undefined,
      raw: data,
    };
  }

  #nonce(): string {
    this.#lastNonce = Math.max(Date.now(), this.#lastNonce + 1);
    return String(this.#lastNonce);
  }

  async #send(path: string, params: SignableBody, attempts: number): Promise<Record<string, unknown>> {
    const body = withoutEmptyValues({ mchNo: this.merchantNo, ...params });
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#sendOnce(path, body, attempt);
      } catch (error) {
        const retryable = error instanceof TarsPayError && error.kind !== 'rejected';
        if (!retryable || attempt >= attempts) throw error;
        const backoff = this.#options.retryBaseDelayMs * 2 ** (attempt - 1);
        await delay(backoff / 2 + Math.random() * (backoff / 2));
      }
    }
  }

  async #sendOnce(path: string, body: SignableBody, attempt: number): Promise<Record<string, unknown>> {
    const started = performance.now();
    const span = recordingParent() ? startCallSpan(this.#server, path, attempt) : undefined;
    const report = (outcome: TarsPayCallInfo['outcome'], code?: number) => {
      this.#options.onCall?.({ endpoint: path, durationMs: performance.now() - started, outcome, code, attempt });
      span?.setAttribute('tarspay.outcome', outcome);
      if (code !== undefined) span?.setAttribute('tarspay.code', code);
    };
    try {
      const envelope = await this.#post(path, body, span);
      this.#checkResponseSign(path, envelope);
      if (envelope.code !== 0) throw TarsPayError.rejected(path, envelope.code, envelope.msg);
      report('ok');
      span?.end();
      return isRecord(envelope.data) ? envelope.data : {};
    } catch (error) {
      if (error instanceof TarsPayError) report(error.kind, error.code);
      if (span) {
        failSpan(span, error, error instanceof TarsPayError ? error.kind : undefined);
        span.end();
      }
      throw error;
    }
  }

  async #post(path: string, body: SignableBody, span: Span | undefined): Promise<Envelope> {
    const signed = signRequest(this.#options.privateKey, path, this.#nonce(), body);
    let answer: PostAnswer;
    try {
      answer = await this.#transport.post(path, JSON.stringify(body), { 'content-type': 'application/json;charset=utf-8', ...signed }, this.#options.timeoutMs);
    } catch (error) {
      const failure = error instanceof TransportError ? error : new TransportError(String(error), false, false);
      span?.setAttribute('tarspay.not_sent', failure.notSent);
      throw new TarsPayError({ kind: 'unavailable', endpoint: path, message: `TarsPay ${path}: ${failure.message}`, notSent: failure.notSent, cause: error });
    }
    span?.setAttribute('http.response.status_code', answer.status);
    const envelope = parseEnvelope(answer.text);
    if (envelope) return envelope;
    const kind = answer.status >= 500 || answer.status === 429 ? 'unavailable' : 'bad_response';
    throw new TarsPayError({ kind, endpoint: path, message: `TarsPay ${path}: HTTP ${answer.status} without a TarsPay envelope` });
  }

  /** `strict` accepts no answer without a valid `sign`: the answer counts as lost, so nothing moves on its word. */
  #checkResponseSign(path: string, envelope: Envelope): void {
    const { platformPublicKey, responseSignMode } = this.#options;
    if (!platformPublicKey || responseSignMode === 'off') return;
    if (verifyAnswerSign(platformPublicKey, envelope, envelope.sign)) return;
    const problem = envelope.sign === undefined ? 'has no sign' : 'has a sign that does not verify with the platform public key';
    if (responseSignMode === 'strict') {
      throw new TarsPayError({
        kind: 'bad_response',
        endpoint: path,
        code: envelope.code === 0 ? undefined : envelope.code,
        message: `TarsPay ${path}: the answer${envelope.code === 0 ? '' : ` (code ${envelope.code})`} ${problem}; strict mode treats it as lost`,
      });
    }
    if (envelope.sign !== undefined) this.#options.onWarning?.('TarsPay response sign does not verify', { endpoint: path, code: envelope.code });
  }
}

/**
 * A client span per attempt: path, status, TarsPay's code and outcome, never the body or headers
 * (they carry the signature). No `traceparent` goes to TarsPay: it would not understand it.
 */
function startCallSpan(server: URL, path: string, attempt: number): Span {
  return startSpan(`TarsPay ${path}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      'http.request.method': 'POST',
      'server.address': server.hostname,
      'server.port': Number(server.port) || (server.protocol === 'https:' ? 443 : 80),
      'url.path': path,
      'tarspay.attempt': attempt,
    },
  });
}

function parseEnvelope(text: string): Envelope | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed)) return undefined;
  const code = typeof parsed.code === 'string' && /^-?\d+$/.test(parsed.code) ? Number(parsed.code) : parsed.code;
  if (typeof code !== 'number' || !Number.isInteger(code)) return undefined;
  return {
    code,
    msg: typeof parsed.msg === 'string' ? parsed.msg : undefined,
    data: parsed.data,
    sign: typeof parsed.sign === 'string' ? parsed.sign : undefined,
  };
}

function optionalText(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function requiredText(value: unknown, endpoint: string, field: string): string {
  const text = optionalText(value);
  if (text === undefined) throw new TarsPayError({ kind: 'bad_response', endpoint, message: `TarsPay ${endpoint}: the answer has no ${field}` });
  return text;
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { compactSortedJson } from '../tarspay/message.js';
import { signAnswer } from '../tarspay/signatures.js';
import { balanceInfo, orderList } from './account.js';
import { API_CODES, TarsPayApiError } from './api-error.js';
import { authenticate } from './auth.js';
import { collectionInquiry, createCollection } from './collections.js';
import type { SandboxContext } from './context.js';
import { answersBeforeProcessing, FRACTIONAL_FEE, type Fault } from './faults.js';
import { readBody, sendBody } from './http-io.js';
import type { RequestBody } from './parameters.js';
import { createPayout, payoutInquiry } from './payouts.js';
import type { Merchant, OrderKind, SandboxOrder } from './store.js';

/** TarsPay's own paths: faults, authentication, the operation, and the signed envelope. */

type ApiOperation = (ctx: SandboxContext, merchant: Merchant, body: RequestBody) => Record<string, unknown>;

export const API_OPERATIONS: Readonly<Record<string, ApiOperation>> = {
  '/api/pay/unifiedOrder': createCollection,
  '/api/payOut/unifiedOrder': createPayout,
  '/api/payInInfo': collectionInquiry,
  '/api/payOutInfo': payoutInquiry,
  '/api/balanceInfo': balanceInfo,
  '/api/orderList': orderList,
};

const JSON_TYPE = 'application/json;charset=utf-8';

const NGINX_500 =
  '<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n<center><h1>500 Internal Server Error</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

/**
 * An error answer, signed like a success: the platform key over the compact key-sorted JSON of
 * `{code, msg}` (TarsPay's doc shows no sign on errors; the gateway's strict mode needs one).
 */
function errorEnvelope(ctx: SandboxContext, code: number, msg: string, signed = true): string {
  if (!signed) return JSON.stringify({ code, msg });
  return JSON.stringify({ code, msg, sign: signAnswer(ctx.platformKey, { code, msg }) });
}

/** `data` is written exactly as signed: compact, keys sorted. Without `sign`: an answer TarsPay sends unsigned. */
function successEnvelope(dataText: string, sign?: string): string {
  return sign === undefined ? `{"code":0,"msg":"SUCCESS","data":${dataText}}` : `{"code":0,"msg":"SUCCESS","data":${dataText},"sign":"${sign}"}`;
}

/** TarsPay's document shows its inquiry answers without `sign` (its create, balance and history answers with one). */
const UNSIGNED_BY_TARSPAY: ReadonlySet<string> = new Set(['/api/payInInfo', '/api/payOutInfo']);

/** Timers of answers held back by a latency fault, cancelled when the sandbox closes. */
export type HeldAnswers = Set<NodeJS.Timeout>;

function hold(ms: number, held: HeldAnswers): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      held.delete(timer);
      resolve();
    }, ms);
    timer.unref();
    held.add(timer);
  });
}

/** Answers without processing: true when the fault took the request. */
function applyPreProcessingFault(ctx: SandboxContext, fault: Fault, req: IncomingMessage, res: ServerResponse): boolean {
  if (!answersBeforeProcessing(fault)) return false;
  if (fault.mode === 'drop') req.socket.destroy();
  if (fault.mode === 'http500') sendBody(res, 500, 'text/html', NGINX_500);
  if (fault.mode === 'malformed') sendBody(res, 200, JSON_TYPE, '{"code":0,"msg":"SUCCESS","data":{"payOrderId":"P');
  if (fault.mode === 'answerCode') sendBody(res, 200, JSON_TYPE, errorEnvelope(ctx, fault.code!, fault.msg!));
  return true;
}

type ApiResult = { ok: true; data: Record<string, unknown> } | { ok: false; code: number; msg: string };

/** The kind of order a create path makes and an inquiry path reports, for the ledger. */
const CREATE_KINDS: Readonly<Record<string, OrderKind>> = { '/api/pay/unifiedOrder': 'collection', '/api/payOut/unifiedOrder': 'payout' };
const INQUIRY_KINDS: Readonly<Record<string, OrderKind>> = { '/api/payInInfo': 'collection', '/api/payOutInfo': 'payout' };

/** Notes a create in the ledger; returns the order the answer tells the merchant about (a stored create's or an inquiry's). */
function recordInLedger(ctx: SandboxContext, path: string, mchNo: string, body: RequestBody, result: ApiResult): SandboxOrder | undefined {
  const reported = result.ok && typeof result.data.payOrderId === 'string' ? ctx.store.order(result.data.payOrderId) : undefined;
  const createKind = CREATE_KINDS[path];
  if (createKind && typeof body.mchOrderNo === 'string') {
    ctx.ledger.createReceived(createKind, mchNo, body.mchOrderNo, reported ? { order: reported } : { code: result.ok ? -1 : result.code }, ctx.now());
  }
  return createKind || INQUIRY_KINDS[path] ? reported : undefined;
}

/** Authentication, then the operation (a create stores its order here). */
function processRequest(
  ctx: SandboxContext,
  path: string,
  operation: ApiOperation,
  req: IncomingMessage,
  rawBody: Buffer,
): { result: ApiResult; reported?: SandboxOrder } {
  let authenticated: { merchant: Merchant; body: RequestBody } | undefined;
  let result: ApiResult;
  try {
    authenticated = authenticate({ path, headers: req.headers, rawBody }, { store: ctx.store, nonceWindowMs: ctx.options.nonceWindowMs, now: ctx.now });
    const data = operation(ctx, authenticated.merchant, authenticated.body);
    ctx.log('debug', 'api request', { path, mchNo: authenticated.merchant.mchNo, code: 0 });
    result = { ok: true, data };
  } catch (error) {
    if (error instanceof TarsPayApiError) {
      ctx.log('debug', 'api request rejected', { path, code: error.code, msg: error.message });
      result = { ok: false, code: error.code, msg: error.message };
    } else {
      ctx.log('error', 'api request failed', { path, error: (error as Error).stack ?? String(error) });
      result = { ok: false, code: API_CODES.SYSTEM, msg: 'System error' };
    }
  }
  if (!authenticated) return { result };
  return { result, reported: recordInLedger(ctx, path, authenticated.merchant.mchNo, authenticated.body, result) };
}

/**
 * The envelope for a processed request. A fault changes only successful answers (a real error is
 * answered as it is), except `unsigned`, which takes the sign off any answer. A successful inquiry
 * carries no `sign`, as TarsPay's, unless the sandbox was asked to sign inquiries (`badSign` still
 * gives it a wrong one).
 */
function renderAnswer(ctx: SandboxContext, path: string, result: ApiResult, fault: Fault | undefined): string {
  if (!result.ok) return errorEnvelope(ctx, result.code, result.msg, fault?.mode !== 'unsigned');
  if (fault?.mode === 'answerCode') return errorEnvelope(ctx, fault.code!, fault.msg!);
  if (fault?.mode === 'unsigned') {
    return `{"code":0,"msg":"SUCCESS","data":${compactSortedJson({ ...result.data, ...fault.data })}}`;
  }
  if (fault?.mode === 'badSign') return successEnvelope(compactSortedJson(result.data), signAnswer(ctx.platformKey, { code: 0, data: { tampered: true } }));
  const data = fault?.mode === 'fractionalFee' && 'fee' in result.data ? { ...result.data, fee: FRACTIONAL_FEE } : result.data;
  const signed = ctx.options.signInquiries || !UNSIGNED_BY_TARSPAY.has(path);
  return successEnvelope(compactSortedJson(data), signed ? signAnswer(ctx.platformKey, { code: 0, data }) : undefined);
}

export async function handleApiRequest(ctx: SandboxContext, path: string, req: IncomingMessage, res: ServerResponse, held: HeldAnswers): Promise<void> {
  const fault = ctx.faults.take(path);
  if (fault) ctx.log('info', `fault ${fault.mode} applied`, { path, faultId: fault.id });
  if (fault && applyPreProcessingFault(ctx, fault, req, res)) return;

  const operation = API_OPERATIONS[path];
  if (!operation) {
    sendBody(res, 404, JSON_TYPE, errorEnvelope(ctx, -1, 'not found'));
    return;
  }
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    sendBody(res, 405, JSON_TYPE, errorEnvelope(ctx, -1, `method not allowed: TarsPay's ${path} takes POST`));
    return;
  }
  const read = await readBody(req);
  if (!read.ok) {
    if (read.reason === 'too-large') sendBody(res, 413, JSON_TYPE, errorEnvelope(ctx, -1, 'request body larger than 1 MiB'));
    return;
  }

  const { result, reported } = processRequest(ctx, path, operation, req, read.body);
  const answer = renderAnswer(ctx, path, result, fault);
  if (fault?.mode === 'dropAfterStore') {
    req.socket.destroy();
    return;
  }
  if (fault?.mode === 'latency') await hold(fault.latencyMs, held);
  // The merchant learnt the order only from a successful answer it received whole.
  if (reported && result.ok && (fault === undefined || fault.mode === 'latency' || fault.mode === 'fractionalFee') && !res.destroyed) {
    res.once('finish', () => ctx.ledger.confirmed(reported, CREATE_KINDS[path] ? 'create' : 'inquiry', ctx.now()));
  }
  sendBody(res, 200, JSON_TYPE, answer);
}

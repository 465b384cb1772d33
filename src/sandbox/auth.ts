import type { IncomingHttpHeaders } from 'node:http';
import { requestMessage } from '../tarspay/message.js';
import { verifyRequestSignature } from '../tarspay/signatures.js';
import { API_CODES, TarsPayApiError } from './api-error.js';
import type { RequestBody } from './parameters.js';
import type { Merchant, SandboxStore } from './store.js';

/**
 * TarsPay's request authentication, in its order: X-API-KEY names a merchant, the body's mchNo is
 * that merchant's, X-API-NONCE is fresh, X-API-SIGNATURE verifies (high S accepted) over
 * `POST|path|nonce|params` with empty values either omitted or kept (TarsPay has not settled which).
 */

export interface AuthenticatedRequest {
  merchant: Merchant;
  body: RequestBody;
}

export interface AuthOptions {
  store: SandboxStore;
  nonceWindowMs: number;
  now: () => number;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function parseJsonObject(rawBody: Buffer): RequestBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new TarsPayApiError(API_CODES.MISSING_PARAMETER, 'the request body is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TarsPayApiError(API_CODES.MISSING_PARAMETER, 'the request body must be a JSON object');
  }
  return parsed as RequestBody;
}

function checkNonce(nonce: string | undefined, options: AuthOptions): string {
  if (nonce === undefined || !/^\d{1,16}$/.test(nonce)) {
    throw new TarsPayApiError(API_CODES.SIGNATURE, 'X-API-NONCE must be the request time in Unix milliseconds (digits only)');
  }
  if (options.nonceWindowMs > 0) {
    const skew = Math.abs(options.now() - Number(nonce));
    if (skew > options.nonceWindowMs) {
      throw new TarsPayApiError(
        API_CODES.SIGNATURE,
        `X-API-NONCE ${nonce} is out of the window: ${skew} ms from the sandbox clock, at most ${options.nonceWindowMs} ms allowed (is your clock right, or is the request being replayed?)`,
      );
    }
  }
  return nonce;
}

export function authenticate(request: { path: string; headers: IncomingHttpHeaders; rawBody: Buffer }, options: AuthOptions): AuthenticatedRequest {
  const apiKey = header(request.headers, 'x-api-key');
  const merchant = apiKey === undefined ? undefined : options.store.merchantByPublicKey(apiKey);
  if (!merchant) {
    throw new TarsPayApiError(
      API_CODES.UNKNOWN_MERCHANT,
      apiKey === undefined ? 'X-API-KEY header is missing' : 'X-API-KEY is not the public key of a merchant registered in this sandbox',
    );
  }

  const body = parseJsonObject(request.rawBody);
  if (body.mchNo === undefined || body.mchNo === null || body.mchNo === '') {
    throw new TarsPayApiError(API_CODES.MISSING_PARAMETER, 'mchNo is required');
  }
  if (body.mchNo !== merchant.mchNo) {
    throw new TarsPayApiError(API_CODES.UNKNOWN_MERCHANT, `mchNo ${JSON.stringify(body.mchNo)} is not the merchant of this X-API-KEY`);
  }

  const nonce = checkNonce(header(request.headers, 'x-api-nonce'), options);
  const signature = header(request.headers, 'x-api-signature');
  if (!signature) throw new TarsPayApiError(API_CODES.SIGNATURE, 'X-API-SIGNATURE header is missing');

  if (!verifyRequestSignature(merchant.publicKey, request.path, nonce, body, signature)) {
    const omitted = requestMessage(request.path, nonce, body, 'omit');
    throw new TarsPayApiError(
      API_CODES.SIGNATURE,
      `X-API-SIGNATURE (hex DER, ECDSA secp256k1 over SHA256(SHA256(message))) does not verify with X-API-KEY over ${JSON.stringify(omitted)}`,
    );
  }
  return { merchant, body };
}

import { compactSortedJson, requestMessage, type SignableBody } from './message.js';
import { verifySignature, type PrivateKey } from './signer.js';
import { isRecord } from '../lib/is-record.js';

/**
 * Every signature on TarsPay's wire, signing beside verifying, so that the gateway, the sandbox,
 * the tests and the bench sign exactly as the other side checks:
 * - requests: the merchant's key signs `POST|path|nonce|params` (headers X-API-*);
 * - answers: TarsPay's platform key signs the envelope's `sign` (see answerSignedText);
 * - callbacks: the platform key signs the body bytes (header X-RESP-SIGNATURE).
 */

export interface RequestSignatureHeaders {
  'x-api-key': string;
  'x-api-nonce': string;
  'x-api-signature': string;
}

export function signRequest(key: PrivateKey, path: string, nonce: string, body: SignableBody): RequestSignatureHeaders {
  return { 'x-api-key': key.publicKeyHex, 'x-api-nonce': nonce, 'x-api-signature': key.sign(requestMessage(path, nonce, body)) };
}

/**
 * TarsPay has not settled whether empty values are signed as `key=` or left out: a signature over
 * either form verifies. High S is accepted.
 */
export function verifyRequestSignature(publicKeyHex: string, path: string, nonce: string, body: SignableBody, signature: string): boolean {
  const omitted = requestMessage(path, nonce, body, 'omit');
  if (verifySignature(publicKeyHex, omitted, signature)) return true;
  const kept = requestMessage(path, nonce, body, 'keep');
  return kept !== omitted && verifySignature(publicKeyHex, kept, signature);
}

export interface AnswerEnvelope {
  code: number;
  msg?: string;
  data?: unknown;
}

/**
 * What an answer's `sign` covers: the compact key-sorted JSON of `data` on a success, of
 * `{code, msg}` on an error. TarsPay's examples don't show it: this is the gateway's assumption
 * (docs/TARSPAY.md), which is why checking it is configurable.
 */
export function answerSignedText(envelope: AnswerEnvelope): string {
  if (envelope.code === 0) return compactSortedJson(isRecord(envelope.data) ? envelope.data : {});
  return compactSortedJson({ code: envelope.code, msg: envelope.msg ?? '' });
}

export function signAnswer(platformKey: PrivateKey, envelope: AnswerEnvelope): string {
  return platformKey.sign(answerSignedText(envelope));
}

export function verifyAnswerSign(platformPublicKeyHex: string, envelope: AnswerEnvelope, sign: string | undefined): boolean {
  return sign !== undefined && verifySignature(platformPublicKeyHex, answerSignedText(envelope), sign);
}

/** A callback's body as TarsPay sends it: compact JSON, keys sorted. */
export function callbackBody(payload: Record<string, unknown>): string {
  return compactSortedJson(payload);
}

/** A callback as TarsPay sends it, signed over exactly its body's bytes. */
export function signCallback(platformKey: PrivateKey, payload: Record<string, unknown>): { body: string; signature: string } {
  const body = callbackBody(payload);
  return { body, signature: platformKey.sign(body) };
}

/**
 * A callback's X-RESP-SIGNATURE over the raw body bytes or, as a fallback for senders whose bytes
 * changed on the way, over `canonicalText`: the compact key-sorted JSON of exactly the parsed body
 * that will be applied (never a re-serialisation of something else).
 */
export function verifyCallbackSignature(platformPublicKeyHex: string, rawText: string, canonicalText: string, signature: string): boolean {
  if (verifySignature(platformPublicKeyHex, rawText, signature)) return true;
  return canonicalText !== rawText && verifySignature(platformPublicKeyHex, canonicalText, signature);
}

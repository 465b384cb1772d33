import { createHmac, timingSafeEqual } from 'node:crypto';
import stableStringify from 'fast-json-stable-stringify';
import type { GraphQLError } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';

/**
 * Requests from a federation router (Hive Gateway) signed with ROUTER_HMAC_SECRET. A router sends
 * its own query plan's operations, never the client's document: a trusted-documents-only token
 * would be refused there. A router configured as docs/FEDERATION.md says names the trusted document
 * its client sent in `x-trusted-document` and signs it with the request (Hive Gateway's
 * `hmacSignature`, extension `hmac-signature`), so the gateway applies the token's rules to that
 * document, as it would directly. The signed content is Hive Gateway's default serialization of the
 * request (`{"query":…,"variables":…}`, keys sorted), a newline, and the document's hash (or nothing).
 */

export const ROUTER_SIGNATURE_EXTENSION = 'hmac-signature';
export const TRUSTED_DOCUMENT_HEADER = 'x-trusted-document';

/** What a router signs: the serialized request and the trusted document its client named (null: the client sent text). */
export function routerSignedContent(serializedRequest: string, trustedDocument: string | null): string {
  return `${serializedRequest}\n${trustedDocument ?? ''}`;
}

/** `{query, variables}` serialized as Hive Gateway's hmacSignature does by default. */
export function serializeRouterRequest(params: { query?: unknown; variables?: unknown }): string {
  const variables = params.variables as Record<string, unknown> | null | undefined;
  return stableStringify({ query: params.query, variables: variables && Object.keys(variables).length > 0 ? variables : undefined });
}

/** A request the router signed; `trustedDocument` is the hash its client sent, or null when the client sent text. */
export interface RoutedRequest {
  trustedDocument: string | null;
}

export class RouterSignature {
  readonly #secret: string;

  constructor(secret: string) {
    this.#secret = secret;
  }

  /**
   * The routed request, or null when the request is not signed (a client calling the gateway
   * directly). Throws when it is signed but the signature does not match: a router with another
   * secret, or a request changed on the way.
   */
  verify(params: { query?: unknown; variables?: unknown; extensions?: unknown }, headers: Headers): RoutedRequest | null {
    const signature = (params.extensions as Record<string, unknown> | null | undefined)?.[ROUTER_SIGNATURE_EXTENSION];
    if (signature === undefined) return null;
    const trustedDocument = headers.get(TRUSTED_DOCUMENT_HEADER) || null;
    const expected = createHmac('sha256', this.#secret)
      .update(routerSignedContent(serializeRouterRequest(params), trustedDocument), 'utf8')
      .digest();
    const presented = typeof signature === 'string' ? Buffer.from(signature, 'base64') : Buffer.alloc(0);
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) throw routerSignatureError();
    return { trustedDocument };
  }
}

function routerSignatureError(): GraphQLError {
  return createGraphQLError(
    `The router's signature (extensions["${ROUTER_SIGNATURE_EXTENSION}"]) does not match this request: the router and the gateway must share ROUTER_HMAC_SECRET, and the router must sign as docs/FEDERATION.md shows.`,
    { extensions: { code: 'FORBIDDEN', http: { status: 403 } } },
  );
}

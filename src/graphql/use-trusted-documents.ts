import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { Plugin } from 'graphql-yoga';
import type { AuthenticationServerContext } from './use-token-authentication.js';
import {
  limitedOperationError,
  operationMissingError,
  persistedQueryNotFoundError,
  requestedDocumentHash,
  trustedDocumentRequiredError,
  type TrustedDocuments,
} from './trusted-documents.js';

/** GET /graphql?documentId=sha256:…: Yoga's GET parser keeps only query, variables, operationName and extensions. */
function documentIdInUrl(request: Request): string | null {
  return request.method === 'GET' ? new URL(request.url, 'http://localhost').searchParams.get('documentId') : null;
}

/**
 * Trusted documents over HTTP (POST and GET), with Yoga's persisted-operations plugin: a request
 * may name a trusted document by hash instead of sending its text, and a token made with
 * `--trusted-documents-only` may do nothing else. Must come after useTokenAuthentication, which
 * resolves the token first. Anonymous requests and other tokens may still send text.
 * WebSocket operations get the same rules in websocket.ts (operationTextFor).
 */
export function useTrustedDocuments(documents: TrustedDocuments): Plugin<Record<string, unknown>, AuthenticationServerContext> {
  const trustedOnly = new WeakSet<Request>();
  const persisted = usePersistedOperations<AuthenticationServerContext>({
    getPersistedOperation: (hash) => documents.get(hash) ?? null,
    extractPersistedOperationId: (params, request) =>
      requestedDocumentHash({ ...params, documentId: (params as { documentId?: unknown }).documentId ?? documentIdInUrl(request) }),
    allowArbitraryOperations: (request) => !trustedOnly.has(request),
    customErrors: {
      persistedQueryOnly: () => trustedDocumentRequiredError(),
      notFound: () => persistedQueryNotFoundError(),
      keyNotFound: ({ request }) => (trustedOnly.has(request) ? trustedDocumentRequiredError() : operationMissingError()),
    },
  });
  // Only its onParams does anything here: the documents are text, parsed and validated as usual.
  return {
    onParams(payload) {
      // useTokenAuthentication ran first (a refused token ended the request there). Without its
      // credential, nothing says the token may send text: it may not.
      const { credential } = payload.context;
      const token = credential?.authenticated?.apiToken;
      if (!credential || token?.trustedDocumentsOnly) trustedOnly.add(payload.request);
      // A token limited to named operations (`token create --operations`): the hash must name one of them.
      const hash = requestedDocumentHash({
        ...payload.params,
        documentId: (payload.params as { documentId?: unknown }).documentId ?? documentIdInUrl(payload.request),
      });
      const refused = limitedOperationError(documents, hash, token?.operations);
      if (refused) throw refused;
      return persisted.onParams?.(payload);
    },
  };
}

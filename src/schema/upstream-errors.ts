import { createGraphQLError } from 'graphql-yoga';
import { TarsPayError } from '../tarspay/errors.js';

/** For queries that read straight from TarsPay: a clear top-level error instead of a masked one. */
export function upstreamQueryError(error: unknown): unknown {
  if (!(error instanceof TarsPayError)) return error;
  const code = error.kind === 'rejected' ? 'UPSTREAM_REJECTED' : 'UPSTREAM_UNAVAILABLE';
  return createGraphQLError(error.message, { extensions: { code, upstreamCode: error.code ?? null } });
}

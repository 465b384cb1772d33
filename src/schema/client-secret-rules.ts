import type { GraphQLError } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';

/**
 * What an order's client secret may do, in one place: read its own order (`order`, `node`), follow
 * it (`orderUpdated`) and, against the sandbox, simulate its payment (`sandboxOrderSettle`). The
 * fields themselves admit it (scope `clientSecret`) and load its own order only; the gateway also
 * refuses every other root field before execution (src/graphql/use-client-secret-limits.ts).
 */
export const CLIENT_SECRET_ROOT_FIELDS: Readonly<Record<'query' | 'mutation' | 'subscription', ReadonlySet<string>>> = {
  query: new Set(['order', 'node', '__typename']),
  mutation: new Set(['sandboxOrderSettle', '__typename']),
  subscription: new Set(['orderUpdated']),
};

export function clientSecretForbiddenError(what: string): GraphQLError {
  return createGraphQLError(
    `A client secret may only read, follow and (in the sandbox) settle its own order; ${what} needs an API token. Call it from the merchant's server.`,
    { extensions: { code: 'FORBIDDEN' } },
  );
}

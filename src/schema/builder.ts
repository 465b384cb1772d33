import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import ZodPlugin from '@pothos/plugin-zod';
import { createGraphQLError } from 'graphql-yoga';
import type { Scope } from '../auth/scopes.js';
import { clientSecretForbiddenError } from './client-secret-rules.js';
import { InputError } from './business-errors.js';
import type { GraphQLContext } from './context.js';
import './plugins/storable-text.js';
import './plugins/user-errors.js';

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  AuthScopes: { authenticated: boolean; scope: Scope; clientSecret: boolean };
  DefaultFieldNullability: false;
  Scalars: { DateTime: { Input: Date; Output: Date } };
}>({
  // scope-auth first: nothing runs before the token and scope checks. userErrors before zod: input
  // validation failures become VALIDATION userErrors in mutation payloads. storableText inside
  // userErrors, before everything else: NUL and lone surrogates are refused before any resolver work.
  plugins: [ScopeAuthPlugin, 'userErrors', 'storableText', RelayPlugin, DataloaderPlugin, ZodPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authorizeOnSubscribe: true,
    // `authenticated`: an API token. `clientSecret`: an order's client secret, which has no scopes and
    // passes only where a field lets it (its own order: src/graphql/use-client-secret-limits.ts).
    authScopes: (context) => ({
      authenticated: context.auth !== null && context.auth.orderId === null,
      scope: (scope: Scope) => context.auth?.scopes.includes(scope) ?? false,
      clientSecret: context.auth !== null && context.auth.orderId !== null,
    }),
    unauthorizedError: (_parent, context, info) =>
      context.auth?.orderId
        ? clientSecretForbiddenError(`${info.parentType.name}.${info.fieldName}`)
        : context.auth
          ? createGraphQLError(`This token lacks the scope needed for ${info.parentType.name}.${info.fieldName}`, {
              extensions: { code: 'FORBIDDEN' },
            })
          : createGraphQLError('Authentication required: send "Authorization: Bearer <token>"', {
              extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
            }),
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    // Order is the only Node: reading one by id needs orders:read, as order(id) does (or its own client secret).
    nodeQueryOptions: { authScopes: { scope: 'orders:read', clientSecret: true } },
    nodesQueryOptions: false,
  },
  zod: {
    validationError: (zodError) =>
      new InputError(
        zodError.issues.map((issue) => ({
          code: 'VALIDATION' as const,
          field: issue.path.map(String),
          message: `${issue.path.join('.')}: ${issue.message}`,
        })),
      ),
  },
});

builder.scalarType('DateTime', {
  description: 'An ISO-8601 instant in UTC, e.g. 2026-11-25T09:30:00.000Z',
  serialize: (value) => (value instanceof Date ? value : new Date(value as string)).toISOString(),
  parseValue: (value) => {
    const date = typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
    if (Number.isNaN(date.getTime())) throw createGraphQLError('DateTime must be an ISO-8601 string');
    return date;
  },
});

import type { MikroORM } from '@mikro-orm/postgresql';
import { createYoga, type Plugin, type YogaServerInstance, type YogaServerOptions } from 'graphql-yoga';
import { randomUUID } from 'node:crypto';
import { LazyFork } from '../db/lazy-fork.js';
import { schema } from '../schema/index.js';
import { authenticatePresented, connectionBearer, useTokenAuthentication, type AuthenticationServerContext } from './use-token-authentication.js';
import type { GatewayServices, GraphQLContext } from '../schema/context.js';
import { renderGraphiQLPage } from '../graphiql/page.js';
import { GRAPHIQL_EXAMPLE } from './graphiql-example.js';
import { useHardening } from './use-hardening.js';
import { maskErrorWithoutDatabaseValues } from './mask-errors.js';
import type { InputLimits } from './use-input-limits.js';
import type { RateLimitOptions } from './use-cost-rate-limit.js';
import type { RouterSignature } from './router-signature.js';
import type { TrustedDocuments } from './trusted-documents.js';
import { useTrustedDocuments } from './use-trusted-documents.js';
import { useClientSecretLimits } from './use-client-secret-limits.js';

export interface YogaOptions {
  orm: MikroORM;
  services: GatewayServices;
  graphiql: boolean;
  /** GraphiQL keeps its Headers tab (the token) in localStorage: off unless asked for. */
  persistGraphiQLHeaders?: boolean;
  /** Cross-origin access to /graphql (see src/http/cors.ts); none when absent. */
  cors?: YogaServerOptions<ServerContext, GraphQLContext>['cors'];
  introspection: boolean;
  /** Operations a request may name by hash; the only ones a `--trusted-documents-only` token may run. */
  trustedDocuments: TrustedDocuments;
  /** A federation router's signed requests (ROUTER_HMAC_SECRET): trusted documents named through it. */
  routerSignature?: RouterSignature;
  /** "Did you mean …" hints in error messages (they reveal the schema): never in production. */
  suggestions: boolean;
  rateLimit: RateLimitOptions;
  inputLimits: InputLimits;
  /** Stack traces and original messages in errors: development only. */
  exposeErrors: boolean;
  /** More envelop plugins (metrics, error logging), before the hardening ones so they also see what the limits refuse. */
  plugins?: Plugin<GraphQLContext>[];
}

type ServerContext = AuthenticationServerContext;

/**
 * A random UUID as one flat string. `randomUUID()` gives a rope of ~20 pieces (≈0.7 KB), which a
 * subscription's context would hold for hours.
 */
function newRequestId(): string {
  return Buffer.from(randomUUID(), 'latin1').toString('latin1');
}

export type GatewayYoga = YogaServerInstance<ServerContext, GraphQLContext>;

export function createGatewayYoga(options: YogaOptions): GatewayYoga {
  return createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    logging: false,
    landingPage: false,
    maskedErrors: { isDev: options.exposeErrors, maskError: maskErrorWithoutDatabaseValues },
    cors: options.cors ?? false,
    // GraphQL over HTTP's persisted documents: `documentId` may stand beside (or instead of) `query`.
    extraParamNames: ['documentId'],
    plugins: [
      useTokenAuthentication(options.orm),
      useTrustedDocuments(options.trustedDocuments, options.routerSignature),
      useClientSecretLimits(),
      ...(options.plugins ?? []),
      useHardening({
        introspection: options.introspection,
        suggestions: options.suggestions,
        rateLimit: options.rateLimit,
        inputLimits: options.inputLimits,
      }),
    ],
    // A small page naming GraphiQL's cacheable files (src/graphiql): made at its first request, not at start.
    renderGraphiQL: renderGraphiQLPage,
    graphiql: options.graphiql
      ? {
          title: 'TarsPay GraphQL gateway',
          defaultQuery: GRAPHIQL_EXAMPLE,
          shouldPersistHeaders: options.persistGraphiQLHeaders ?? false,
        }
      : false,
    context: async ({ request, connectionParams, credential }) => {
      // HTTP: authenticated in onParams already. WebSocket: at connection_init, and again here for
      // each operation (through the 5 s cache), so an operation never starts on a revoked token.
      const fork = credential?.fork ?? new LazyFork(options.orm);
      const authenticated = connectionParams
        ? await authenticatePresented(fork.get, connectionBearer(connectionParams))
        : credential
          ? credential.authenticated
          : await authenticatePresented(fork.get, request.headers.get('authorization'));
      return {
        entityManager: fork,
        services: options.services,
        requestId: request?.headers.get('x-request-id') ?? newRequestId(),
        auth: authenticated
          ? { merchant: authenticated.merchant, scopes: authenticated.scopes, tokenId: authenticated.apiToken.id, orderId: authenticated.orderId ?? null }
          : null,
      };
    },
  });
}

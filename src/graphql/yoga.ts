import type { MikroORM } from '@mikro-orm/postgresql';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, type Plugin, type YogaServerInstance, type YogaServerOptions } from 'graphql-yoga';
import { randomUUID } from 'node:crypto';
import { authCache, authenticateToken } from '../auth/tokens.js';
import { schema } from '../schema/index.js';
import type { GatewayServices, GraphQLContext } from './context.js';
import { GRAPHIQL_EXAMPLE } from './graphiql-example.js';
import { hardeningPlugins } from './hardening.js';
import { maskErrorWithoutDatabaseValues } from './mask-errors.js';
import type { RateLimitOptions } from './rate-limit.js';

export interface YogaOptions {
  orm: MikroORM;
  services: GatewayServices;
  graphiql: boolean;
  /** GraphiQL keeps its Headers tab (the token) in localStorage: off unless asked for. */
  persistGraphiQLHeaders?: boolean;
  /** Cross-origin access to /graphql (see src/http/cors.ts); none when absent. */
  cors?: YogaServerOptions<ServerContext, GraphQLContext>['cors'];
  introspection: boolean;
  rateLimit: RateLimitOptions;
  /** Stack traces and original messages in errors: development only. */
  exposeErrors: boolean;
  /** More envelop plugins (metrics, error logging), after the hardening ones. */
  plugins?: Plugin<GraphQLContext>[];
}

interface ServerContext {
  /** Set by the graphql-ws integration: the client's connection parameters. */
  connectionParams?: Record<string, unknown>;
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
    plugins: [
      ...hardeningPlugins({ introspection: options.introspection, fieldSuggestions: options.introspection, rateLimit: options.rateLimit }),
      ...(options.plugins ?? []),
    ],
    renderGraphiQL,
    graphiql: options.graphiql
      ? {
          title: 'TarsPay GraphQL gateway',
          defaultQuery: GRAPHIQL_EXAMPLE,
          headers: JSON.stringify({ Authorization: 'Bearer <paste the token printed by npm start>' }, null, 2),
          shouldPersistHeaders: options.persistGraphiQLHeaders ?? false,
        }
      : false,
    context: async ({ request, connectionParams }) => {
      const em = options.orm.em.fork();
      const header = connectionParams ? connectionParams.authorization ?? connectionParams.Authorization : request.headers.get('authorization');
      const authenticated = await authenticateToken(em, typeof header === 'string' ? header : null, { cache: authCache });
      return {
        em,
        services: options.services,
        requestId: request?.headers.get('x-request-id') ?? randomUUID(),
        auth: authenticated ? { merchant: authenticated.merchant, scopes: authenticated.scopes, tokenId: authenticated.apiToken.id } : null,
      };
    },
  });
}

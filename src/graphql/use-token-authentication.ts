import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { LazyFork } from '../db/lazy-fork.js';
import type { GraphQLError } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { authenticateCredential } from '../auth/credentials.js';
import { authCache, type Authenticated } from '../auth/tokens.js';

/**
 * What an HTTP request presented, decided before its document is even parsed: no Authorization
 * header at all (`authenticated: null`, fields then refuse through scope-auth), or a token that
 * authenticated. A header whose token does not authenticate never gets this far.
 */
export interface RequestCredential {
  authenticated: Authenticated | null;
  /** The fork the lookup used, if it needed one: the request's context goes on with it. */
  fork: LazyFork;
}

/** The server context fields this plugin and the graphql-ws integration set. */
export interface AuthenticationServerContext {
  credential?: RequestCredential;
  /** Set by the graphql-ws integration: the client's connection parameters. */
  connectionParams?: Record<string, unknown>;
}

/** A present token that is unknown, malformed, revoked or expired: the whole operation is refused. */
export function invalidTokenError(): GraphQLError {
  return createGraphQLError(
    'The token is not valid: it is unknown, malformed, revoked or expired. Send "Authorization: Bearer <token>" with an active token.',
    { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } },
  );
}

/** The bearer value of graphql-ws connection parameters (`authorization` or `Authorization`); undefined when absent. */
export function connectionBearer(params: Record<string, unknown> | null | undefined): unknown {
  if (!params) return undefined;
  return params.authorization ?? params.Authorization;
}

/**
 * The authentication of a presented credential (an Authorization header, a connection parameter):
 * null when none was presented; throws UNAUTHENTICATED when one was and its token (or client secret) is not active.
 */
export async function authenticatePresented(em: () => EntityManager, presented: unknown): Promise<Authenticated | null> {
  if (presented === undefined || presented === null) return null;
  const authenticated = await authenticateCredential(em, typeof presented === 'string' ? presented : null, { cache: authCache });
  if (!authenticated) throw invalidTokenError();
  return authenticated;
}

/**
 * Authenticates the Authorization header of every GraphQL request over HTTP before anything else
 * runs (parsing, validation, introspection, even `{ __typename }`): a present header whose token is
 * unknown, malformed, revoked or expired gets UNAUTHENTICATED (401) and nothing else. A request
 * without the header goes on anonymously. WebSocket connections authenticate once at
 * connection_init instead (src/graphql/websocket.ts).
 */
export function useTokenAuthentication(orm: MikroORM): Plugin<Record<string, unknown>, AuthenticationServerContext> {
  return {
    async onParams({ request, context }) {
      const fork = new LazyFork(orm);
      // A refused token throws: that ends the request here, before any later hook looks at the
      // parameters (no "Must provide query string." or trusted-document error instead of the 401).
      context.credential = { authenticated: await authenticatePresented(fork.get, request.headers.get('authorization')), fork };
    },
  };
}

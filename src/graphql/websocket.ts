import type { Server } from 'node:http';
import type { MikroORM } from '@mikro-orm/postgresql';
import { GraphQLError, type DocumentNode, type ExecutionArgs, type GraphQLSchema } from 'graphql';
import type { Context } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { createGraphQLError } from 'graphql-yoga';
import { WebSocketServer, type WebSocket } from 'ws';
import { authenticateCredential } from '../auth/credentials.js';
import { authCache, type Credential } from '../auth/tokens.js';
import { connectionBearer } from './use-token-authentication.js';
import type { GraphQLContext } from '../schema/context.js';
import { SharedSubscriptions, type Deliver, type SubscribeResult } from './shared-subscriptions.js';
import { streamSharingOf, type StreamSharing } from './stream-sharing.js';
import { operationTextFor, type TrustedDocuments } from './trusted-documents.js';
import { CLOSE_FORBIDDEN, CLOSE_TOO_MANY_CONNECTIONS, type Session, type WebSocketSessions } from './websocket-sessions.js';
import type { GatewayYoga } from './yoga.js';

type OperationResult = ReturnType<NonNullable<Parameters<typeof useServer>[0]['execute']>>;

/** What Yoga's envelop hands graphql-ws for one operation (its own typings say `any`). */
interface Enveloped {
  schema: GraphQLSchema;
  execute: EnvelopedRoot['execute'];
  subscribe: EnvelopedRoot['subscribe'];
  contextFactory: () => Promise<GraphQLContext>;
  parse: (source: string) => DocumentNode;
  validate: (schema: GraphQLSchema, document: DocumentNode) => readonly GraphQLError[];
}

interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => OperationResult;
  subscribe: (args: ExecutionArgs) => OperationResult;
  /** How subscribers of the same stream share one execution (see shared-subscriptions.ts). */
  sharing: StreamSharing;
  /** Writes a shared result, serialised once, straight to this subscriber as a `next` message. */
  deliver?: Deliver;
}

type Extra = { socket: WebSocket };

/**
 * Checks the token of connection_init: a missing, unknown, malformed, revoked or expired token is
 * closed with 4403, one over the per-token connection cap with 4429, each with a reason that says
 * what to do. Otherwise the connection is registered (see WebSocketSessions).
 */
async function admitConnection(
  orm: MikroORM,
  sessions: WebSocketSessions,
  context: Context<Record<string, unknown> | undefined, Extra>,
  max: number,
): Promise<{ session: Session; credential: Credential } | null> {
  const { socket } = context.extra;
  const bearer = connectionBearer(context.connectionParams);
  if (bearer === undefined) {
    socket.close(CLOSE_FORBIDDEN, 'Forbidden: send {"authorization": "Bearer <token>"} in connection_init');
    return null;
  }
  const authenticated = await authenticateCredential(() => orm.em.fork(), typeof bearer === 'string' ? bearer : null, { cache: authCache });
  if (!authenticated) {
    socket.close(CLOSE_FORBIDDEN, 'Forbidden: the token is unknown, malformed, revoked or expired');
    return null;
  }
  const session = await sessions.open(authenticated.apiToken.id, socket, () => Object.keys(context.subscriptions));
  if (!session) {
    socket.close(CLOSE_TOO_MANY_CONNECTIONS, `Too many connections for this token: at most ${max} at once; close one first`);
    return null;
  }
  // The client may have gone while we looked: then nothing will call onClose for this session.
  if (socket.readyState !== socket.OPEN) {
    await sessions.close(session);
    return null;
  }
  return { session, credential: authenticated.apiToken };
}

function tooManyOperations(max: number): GraphQLError[] {
  return [
    createGraphQLError(
      `Too many operations open on this connection: at most ${max} at once (subscriptions, and queries still running). Complete one first, or open another connection.`,
      {
        extensions: { code: 'LIMIT_REACHED', maxOperations: max },
      },
    ),
  ];
}

export interface WebSocketOptions {
  keepAliveMs?: number;
  orm: MikroORM;
  sessions: WebSocketSessions;
  /** Subscribe messages may name these by hash (with `query: ""`); a `--trusted-documents-only` token must. */
  trustedDocuments: TrustedDocuments;
}

/**
 * graphql-ws (`graphql-transport-ws`) on the same port and path as HTTP, executed through Yoga's
 * envelop so that authentication, scopes, validation rules and limits are the same as over HTTP.
 * The token is checked once at connection_init and then every few seconds (WebSocketSessions).
 */
export function attachGraphQLWebSocket(server: Server, yoga: GatewayYoga, options: WebSocketOptions): { close: () => Promise<void> } {
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint, maxPayload: 1024 * 1024 });
  const shared = new SharedSubscriptions();
  const { sessions } = options;
  const limits = sessions.limits;
  const admitted = new WeakMap<object, { session: Session; credential: Credential }>();
  sessions.start();
  const disposable = useServer<Record<string, unknown> | undefined, Extra>(
    {
      onConnect: async (context) => {
        const connection = await admitConnection(options.orm, sessions, context, limits.maxConnectionsPerToken);
        if (!connection) return false;
        admitted.set(context, connection);
        // graphql-ws keeps the upgrade request (headers and all) beside the socket for the
        // connection's life; nothing here reads it after connection_init.
        delete (context.extra as { request?: unknown }).request;
        return true;
      },
      onClose: async (context) => {
        const connection = admitted.get(context);
        if (connection) await sessions.close(connection.session);
      },
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args),
      subscribe: (args) => {
        const { subscribe, sharing, deliver } = args.rootValue as EnvelopedRoot;
        const own = () => subscribe(args) as Promise<SubscribeResult> | SubscribeResult;
        if (sharing.key) return shared.join(sharing.key, own, deliver, sharing.position) as OperationResult;
        if (sharing.rejoinKey && sharing.position) return shared.resume(sharing.rejoinKey, own, sharing.position, deliver) as OperationResult;
        return subscribe(args);
      },
      onSubscribe: async (context, id, message) => {
        // graphql-ws has already entered this operation in `subscriptions`.
        if (limits.maxSubscriptionsPerConnection > 0 && Object.keys(context.subscriptions).length > limits.maxSubscriptionsPerConnection) {
          return tooManyOperations(limits.maxSubscriptionsPerConnection);
        }
        // The operation's text, or the trusted document its hash names: the same rules as over HTTP.
        const credential = admitted.get(context)?.credential;
        const operation = operationTextFor(message, options.trustedDocuments, {
          trustedDocumentsOnly: credential?.trustedDocumentsOnly ?? true,
          operations: credential?.operations,
        });
        if ('error' in operation) return [operation.error];
        const payload = { ...message, query: operation.query };
        // The context starts with what the gateway's context factory reads: it lives as long as the
        // subscription, so nothing more of the connection (graphql-ws's state, the upgrade request).
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          connectionParams: context.connectionParams ?? {},
        }) as unknown as Enveloped;
        const document = parse(payload.query);
        const errors = validate(schema, document);
        if (errors.length) return errors;
        let contextValue: GraphQLContext;
        try {
          contextValue = await contextFactory();
        } catch (error) {
          // The token was revoked since connection_init (before the next re-check closes the socket).
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        const sharing = streamSharingOf(schema, document, payload, contextValue);
        if (sharing.position) contextValue.streamPosition = sharing.position;
        const socket = context.extra.socket;
        // The same frame graphql-ws would send (`{"id","type":"next","payload"}`), without serialising the payload per subscriber.
        const prefix = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
        const deliver: Deliver | undefined =
          sharing.key || sharing.rejoinKey
            ? (resultJson) => {
                if (socket.readyState === socket.OPEN) socket.send(`${prefix}${resultJson}}`);
              }
            : undefined;
        return {
          schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue,
          rootValue: { execute, subscribe, sharing, deliver },
        };
      },
    },
    wss,
    options.keepAliveMs ?? 30_000,
  );
  return {
    close: async () => {
      sessions.stop();
      for (const client of wss.clients) client.close(1001, 'Going away: the gateway is shutting down');
      await disposable.dispose();
    },
  };
}

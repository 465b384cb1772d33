import type { Server } from 'node:http';
import { getOperationAST, type DocumentNode, type ExecutionArgs, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { GraphQLContext } from './context.js';
import { SharedSubscriptions, type Deliver, type SubscribeResult } from './shared-subscriptions.js';
import type { GatewayYoga } from './yoga.js';

type OperationResult = ReturnType<NonNullable<Parameters<typeof useServer>[0]['execute']>>;

interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => OperationResult;
  subscribe: (args: ExecutionArgs) => OperationResult;
  /** Set when subscribers of the same stream can share one execution (see shared-subscriptions.ts). */
  shareKey?: string;
  /** Writes a shared result, serialised once, straight to this subscriber as a `next` message. */
  deliver?: Deliver;
}

/**
 * The key of a subscription that may share its execution: every root field is marked
 * `extensions: { sharedStream: true }` (its events depend on nothing but the merchant, the scopes
 * and the arguments), and the caller is authenticated. Null otherwise.
 */
function shareKeyOf(
  schema: GraphQLSchema,
  document: DocumentNode,
  payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null },
  context: GraphQLContext,
): string | null {
  if (!context.auth) return null;
  const operation = getOperationAST(document, payload.operationName);
  const fields = schema.getSubscriptionType()?.getFields();
  if (operation?.operation !== 'subscription' || !fields) return null;
  const shareable = operation.selectionSet.selections.every(
    (selection) => selection.kind === 'Field' && fields[selection.name.value]?.extensions?.sharedStream === true,
  );
  if (!shareable) return null;
  const scopes = [...context.auth.scopes].sort().join(',');
  return JSON.stringify([context.auth.merchant.id, scopes, payload.operationName ?? null, payload.query, payload.variables ?? null]);
}

/**
 * graphql-ws (`graphql-transport-ws`) on the same port and path as HTTP, executed through Yoga's
 * envelop so that authentication, scopes, validation rules and limits are the same as over HTTP.
 */
export function attachGraphQLWebSocket(
  server: Server,
  yoga: GatewayYoga,
  options: { keepAliveMs?: number } = {},
): { close(): Promise<void>; wss: WebSocketServer } {
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint, maxPayload: 1024 * 1024 });
  const shared = new SharedSubscriptions();
  const disposable = useServer(
    {
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args),
      subscribe: (args) => {
        const root = args.rootValue as EnvelopedRoot;
        if (!root.shareKey) return root.subscribe(args);
        return shared.join(root.shareKey, () => root.subscribe(args) as Promise<SubscribeResult> | SubscribeResult, root.deliver) as OperationResult;
      },
      onSubscribe: async (context, id, payload) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...context,
          req: context.extra.request,
          socket: context.extra.socket,
          params: payload,
          connectionParams: context.connectionParams ?? {},
        });
        const document = parse(payload.query);
        const errors = validate(schema, document);
        if (errors.length) return errors;
        const contextValue = (await contextFactory()) as GraphQLContext;
        const shareKey = shareKeyOf(schema, document, payload, contextValue) ?? undefined;
        const socket = context.extra.socket;
        // The same frame graphql-ws would send (`{"id","type":"next","payload"}`), without serialising the payload per subscriber.
        const prefix = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
        const deliver: Deliver | undefined = shareKey
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
          rootValue: { execute, subscribe, shareKey, deliver } as EnvelopedRoot,
        };
      },
    },
    wss,
    options.keepAliveMs ?? 30_000,
  );
  return {
    wss,
    close: async () => {
      for (const client of wss.clients) client.close(1001, 'Going away: the gateway is shutting down');
      await disposable.dispose();
    },
  };
}

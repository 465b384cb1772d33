import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type GraphQLFormattedError } from 'graphql';
import { createClient, type Client } from 'graphql-ws';

/**
 * A small typed client over the generated documents (src/generated/graphql.ts): `request` for
 * queries and mutations over HTTP, `subscribe` for subscriptions over graphql-ws. Results and
 * variables are typed from the documents, e.g.
 *
 *   const client = createTarsPayClient({ url: 'http://localhost:4000', token, webSocketImpl: WebSocket });
 *   const { collectionCreate } = await client.request(CreateCollectionDocument, { input });
 *   for await (const { orderUpdated } of client.subscribe(OrderUpdatedDocument, { id })) console.log(orderUpdated.status);
 */
export interface TarsPayClientOptions {
  /** The gateway's base URL, e.g. http://localhost:4000 */
  url: string;
  /** An API token (without "Bearer ") */
  token: string;
  /** Node 20 has no global WebSocket: pass `WebSocket` from the `ws` package. */
  webSocketImpl?: unknown;
}

/** The gateway answered with top-level GraphQL errors (UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT, …). */
export class GraphQLRequestError extends Error {
  constructor(readonly errors: readonly GraphQLFormattedError[]) {
    super(errors.map((error) => `${typeof error.extensions?.code === 'string' ? error.extensions.code : 'ERROR'}: ${error.message}`).join('; '));
    this.name = 'GraphQLRequestError';
  }
}

export interface TarsPayClient {
  request<Result, Variables>(document: TypedDocumentNode<Result, Variables>, variables: Variables): Promise<Result>;
  subscribe<Result, Variables>(document: TypedDocumentNode<Result, Variables>, variables: Variables): AsyncGenerator<Result, void, unknown>;
  close(): Promise<void>;
}

export function createTarsPayClient(options: TarsPayClientOptions): TarsPayClient {
  const base = options.url.replace(/\/$/, '');
  let ws: Client | undefined;
  const websocket = () =>
    (ws ??= createClient({
      url: `${base.replace(/^http/, 'ws')}/graphql`,
      connectionParams: { authorization: `Bearer ${options.token}` },
      webSocketImpl: options.webSocketImpl,
      lazy: true,
      retryAttempts: 0,
    }));

  return {
    async request(document, variables) {
      const response = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          authorization: `Bearer ${options.token}`,
        },
        body: JSON.stringify({ query: print(document), variables }),
      });
      const body = (await response.json()) as { data?: unknown; errors?: GraphQLFormattedError[] };
      if (body.errors?.length) throw new GraphQLRequestError(body.errors);
      if (!body.data) throw new Error(`the gateway answered ${response.status} without data`);
      return body.data as never;
    },
    async *subscribe(document, variables) {
      const iterator = websocket().iterate<Record<string, unknown>, Record<string, unknown>>({
        query: print(document),
        variables: variables as Record<string, unknown>,
      });
      try {
        for await (const result of iterator) {
          if (result.errors?.length) throw new GraphQLRequestError(result.errors);
          if (result.data) yield result.data as never;
        }
      } finally {
        await iterator.return?.();
      }
    },
    async close() {
      await ws?.dispose();
    },
  };
}

import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { createGatewayRuntime, type GatewayConfigSupergraph } from '@graphql-hive/gateway-runtime';
import { defaultExecutionRequestSerializer } from '@graphql-mesh/hmac-upstream-signature';
import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { routerSignedContent, TRUSTED_DOCUMENT_HEADER } from '../../src/graphql/router-signature.js';
import { requestedDocumentHash, SHIPPED_MANIFEST } from '../../src/graphql/trusted-documents.js';

/**
 * A supergraph as teams run it: this gateway as one subgraph, a small second subgraph of their own
 * ("support tickets", which refer to orders by id and add Order.tickets), composed with
 * @theguild/federation-composition and served by Hive Gateway's runtime on loopback.
 */

export interface Ticket {
  id: string;
  subject: string;
  /** An Order global ID: of any merchant, as a careless or hostile subgraph could hold. */
  orderId: string;
}

export interface Subgraph {
  name: string;
  url: string;
  sdl: string;
  close(): Promise<void>;
}

const TICKETS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])

  type Ticket @key(fields: "id") {
    id: ID!
    subject: String!
    "Null when the caller may not read the order (the gateway answers null for another merchant's)"
    order: Order
  }

  type Order @key(fields: "id") {
    id: ID!
    tickets: [Ticket!]!
  }

  type Query {
    tickets: [Ticket!]!
  }
`;

/** The tickets subgraph, over HTTP on loopback; it reads `tickets` at each request. */
export async function startTicketsSubgraph(tickets: Ticket[]): Promise<Subgraph> {
  const schema = buildSubgraphSchema({
    typeDefs: parse(TICKETS_SDL),
    resolvers: {
      Query: { tickets: () => tickets },
      Ticket: { order: (ticket: Ticket) => ({ __typename: 'Order', id: ticket.orderId }) },
      Order: { tickets: (order: { id: string }) => tickets.filter((ticket) => ticket.orderId === order.id) },
    },
  });
  const yoga = createYoga({ schema, logging: false, graphiql: false });
  const server = createServer(yoga);
  const url = `${await listen(server)}/graphql`;
  return { name: 'tickets', url, sdl: TICKETS_SDL, close: () => closeServer(server) };
}

/** The supergraph SDL of the subgraphs; throws with composition's errors when they do not compose. */
export function composeSupergraph(subgraphs: ReadonlyArray<Pick<Subgraph, 'name' | 'url' | 'sdl'>>): string {
  const result = composeServices(subgraphs.map((subgraph) => ({ name: subgraph.name, url: subgraph.url, typeDefs: parse(subgraph.sdl) })));
  if (result.errors) throw new Error(`composition failed:\n${result.errors.map((error) => error.message).join('\n')}`);
  return result.supergraphSdl;
}

export interface Router {
  url: string;
  close(): Promise<void>;
}

/**
 * Hive Gateway (its runtime, as the `hive-gateway` CLI runs it) serving `supergraph` on loopback,
 * configured as docs/FEDERATION.md says: the caller's Authorization goes to every subgraph, over
 * HTTP and, for subscriptions, over graphql-ws; the router takes the shipped trusted documents by
 * hash and tells the gateway, signed with `secret` (the gateway's ROUTER_HMAC_SECRET), which one
 * its client named. `config` adds or overrides settings.
 */
export async function startRouter(supergraph: string, secret: string, config: Partial<GatewayConfigSupergraph> = {}): Promise<Router> {
  const manifest = JSON.parse(readFileSync(SHIPPED_MANIFEST, 'utf8')) as Record<string, string>;
  const trustedDocumentOf = (context: { params?: { extensions?: unknown; documentId?: unknown } } | undefined) =>
    context?.params ? requestedDocumentHash(context.params) : null;
  const gateway = createGatewayRuntime({
    supergraph,
    logging: false,
    persistedDocuments: {
      getPersistedOperation: (hash) => manifest[hash.startsWith('sha256:') ? hash : `sha256:${hash}`] ?? null,
      // Which token may send text is the gateway's to say: it sees the token and the named document.
      allowArbitraryDocuments: true,
    },
    hmacSignature: {
      secret,
      serializeExecutionRequest: (request) => routerSignedContent(defaultExecutionRequestSerializer(request) ?? '', trustedDocumentOf(request.context)),
    },
    propagateHeaders: {
      fromClientToSubgraphs: ({ request, context }) => ({
        authorization: request.headers.get('authorization'),
        [TRUSTED_DOCUMENT_HEADER]: trustedDocumentOf(context),
      }),
    },
    transportEntries: {
      tarspay: {
        options: {
          subscriptions: {
            kind: 'ws',
            location: '/graphql',
            // graphql-ws carries no HTTP headers per operation: the gateway reads the token here.
            options: { connectionParams: { authorization: '{context.headers.authorization}' } },
          },
        },
      },
    },
    ...config,
  });
  const server = createServer(gateway);
  const url = `${await listen(server)}/graphql`;
  return {
    url,
    close: async () => {
      await closeServer(server);
      await gateway.dispose();
    },
  };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

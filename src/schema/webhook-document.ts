import {
  execute,
  getArgumentValues,
  GraphQLError,
  Kind,
  OperationTypeNode,
  parse,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { GraphQLContext } from './context.js';
import type { Merchant } from '../merchants/merchant.entity.js';
import { matchesFilter, type EventFilter } from '../orders/event-stream.js';
import type { OrderChangeMessage } from '../orders/change-message.js';
import type { PreparedWebhookDocument, WebhookDocuments } from '../webhooks/webhook-documents.js';
import { WebhookError } from '../webhooks/webhook-errors.js';
import { eventFilterOf } from './order-event.js';

const MAX_DOCUMENT_LENGTH = 10_000;

/**
 * Webhook bodies written by GraphQL: a stored subscription document on orderEvents, checked against
 * the schema when the endpoint is stored, and run for each event as the subscription itself would
 * run it (the event as the root value of `orderEvents`, the merchant's orders:read as the caller).
 * So a body holds exactly the fields its document selects.
 */
export function webhookDocuments(schema: GraphQLSchema, contextFor: (merchant: Merchant) => GraphQLContext): WebhookDocuments {
  return {
    check: (query) => void readDocument(schema, query),
    prepare: (query) => {
      const { document, filter } = readDocument(schema, query);
      return prepared(schema, document, filter, contextFor);
    },
  };
}

function refuse(message: string): WebhookError {
  return new WebhookError('INVALID_INPUT', `query: ${message}`, 'query');
}

function readDocument(schema: GraphQLSchema, query: string): { document: DocumentNode; filter: EventFilter } {
  if (query.length > MAX_DOCUMENT_LENGTH) throw refuse(`longer than ${MAX_DOCUMENT_LENGTH} characters`);
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens: 2000 });
  } catch (error) {
    throw refuse(error instanceof GraphQLError ? error.message : 'not a GraphQL document');
  }
  const operations = document.definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
  const [operation] = operations;
  if (operations.length !== 1 || operation?.operation !== OperationTypeNode.SUBSCRIPTION) {
    throw refuse('must hold one subscription operation, e.g. subscription { orderEvents { cursor status order { id status amount } } }');
  }
  const [error] = validate(schema, document);
  if (error) throw refuse(error.message);
  if (operation.variableDefinitions?.length) throw refuse('may not declare variables: write argument values in the document');
  const field = operation.selectionSet.selections[0];
  if (operation.selectionSet.selections.length !== 1 || field?.kind !== Kind.FIELD || field.name.value !== 'orderEvents') {
    throw refuse('must select orderEvents, and only it, at its root');
  }
  if (field.arguments?.some((argument) => argument.name.value === 'after')) {
    throw refuse('orderEvents(after:) is not for webhooks: replay an endpoint from a cursor with webhookReplay');
  }
  const definition = schema.getSubscriptionType()!.getFields().orderEvents!;
  const args = getArgumentValues(definition, field) as { filter?: Parameters<typeof eventFilterOf>[0] };
  return { document, filter: eventFilterOf(args.filter) };
}

function prepared(
  schema: GraphQLSchema,
  document: DocumentNode,
  filter: EventFilter,
  contextFor: (merchant: Merchant) => GraphQLContext,
): PreparedWebhookDocument {
  return {
    matches: (message: OrderChangeMessage) => matchesFilter(message, filter),
    render: async (message: OrderChangeMessage, merchant: Merchant) => {
      const result = await execute({ schema, document, rootValue: message, contextValue: contextFor(merchant) });
      if (result.errors?.length) throw new Error(`the webhook document failed for this event: ${result.errors.map((error) => error.message).join('; ')}`);
      return result.data;
    },
  };
}

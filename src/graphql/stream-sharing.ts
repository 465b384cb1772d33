import {
  Kind,
  OperationTypeNode,
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  visit,
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
} from 'graphql';
import { StreamPosition } from '../lib/stream-position.js';
import type { GraphQLContext } from '../schema/context.js';

/**
 * How a subscription root field says it may share one execution (`extensions.sharedStream`):
 * `true`, its events depend on nothing but the merchant, the scopes and the arguments; or
 * `{ replayArgument }`, the same unless that argument is given: then the stream starts with a
 * replay of its own, which a subscriber joining a running execution would never receive, and joins
 * the shared execution only once its replay is over (see shared-subscriptions.ts).
 */
type SharedStream = true | { replayArgument: string };

/** How one WebSocket subscription may share its execution (see shared-subscriptions.ts). */
export interface StreamSharing {
  /** Subscribers with this key share one execution from the start. */
  key?: string;
  /** A subscriber that replays on its own first, then moves to the execution of this key. */
  rejoinKey?: string;
  /** How far its stream reads (its events are numbered): set in its context, for the seam. */
  position?: StreamPosition;
}

interface Payload {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

/**
 * How the subscription may share: the caller is authenticated and its one root field shares (see
 * SharedStream) with these arguments. A subscriber that joins a running execution gets what it
 * delivers from then on, exactly what it would have got from its own.
 *
 * The key is the merchant, the scopes, the operation and its variables, without the replay
 * argument's variable: a subscription resumed with `$after` then has the key of the same one without
 * it. That is so only when the variable is used nowhere else and has no default; otherwise it stays
 * in the key (a cursor written in the text stays there too: equal texts still share).
 */
export function streamSharingOf(schema: GraphQLSchema, document: DocumentNode, payload: Payload, context: GraphQLContext): StreamSharing {
  if (!context.auth) return {};
  const operation = getOperationAST(document, payload.operationName);
  const fields = schema.getSubscriptionType()?.getFields();
  if (operation?.operation !== OperationTypeNode.SUBSCRIPTION || !fields) return {};
  const [selection, ...others] = operation.selectionSet.selections;
  if (selection?.kind !== Kind.FIELD || others.length) return {};
  const field = fields[selection.name.value];
  const shared = field?.extensions?.sharedStream as SharedStream | undefined;
  if (!field || !shared) return {};
  const variables = getVariableValues(schema, operation.variableDefinitions ?? [], payload.variables ?? {});
  if (variables.errors) return {};
  const keyOf = (variableValues: Record<string, unknown> | null) => {
    const scopes = [...context.auth!.scopes].sort().join(',');
    return JSON.stringify([context.auth!.merchant.id, scopes, payload.operationName ?? null, payload.query, variableValues]);
  };
  if (shared === true) return { key: keyOf(payload.variables ?? null) };
  let replayed: unknown;
  try {
    replayed = getArgumentValues(field, selection, variables.coerced)[shared.replayArgument];
  } catch {
    return {}; // arguments execution will refuse, to this subscriber alone
  }
  const variable = replayVariable(document, selection, shared.replayArgument);
  const key = keyOf(variable ? Object.fromEntries(Object.entries(payload.variables ?? {}).filter(([name]) => name !== variable)) : (payload.variables ?? null));
  const position = new StreamPosition();
  return replayed == null ? { key, position } : { rejoinKey: key, position };
}

/**
 * The variable that gives `field` its `argument`, when it may be left out of a key: used there only,
 * and with no default value (a default would make the same variables mean a replay elsewhere).
 */
function replayVariable(document: DocumentNode, field: FieldNode, argument: string): string | null {
  const value = field.arguments?.find((node) => node.name.value === argument)?.value;
  if (value?.kind !== Kind.VARIABLE) return null;
  const name = value.name.value;
  let uses = 0;
  let defaulted = false;
  visit(document, {
    VariableDefinition(definition) {
      if (definition.variable.name.value === name && definition.defaultValue) defaulted = true;
      return false;
    },
    Variable(node) {
      if (node.name.value === name) uses++;
    },
  });
  return uses === 1 && !defaulted ? name : null;
}

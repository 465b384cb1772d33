import { getOperationAST, type DocumentNode, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from '../graphql/context.js';
import type { GatewayMetrics } from './gateway-metrics.js';

/** Operation names come from clients: only sane ones become labels, and only so many. */
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_OPERATION_NAMES = 200;

/**
 * GraphQL operation durations by name and type, and open subscriptions by root field. Works over
 * HTTP and over graphql-ws (which executes through Yoga's envelop too).
 */
export function useGraphQLMetrics(metrics: GatewayMetrics): Plugin<GraphQLContext> {
  const knownNames = new Set<string>();
  const nameLabel = (name: string | undefined): string => {
    if (!name) return 'anonymous';
    if (!OPERATION_NAME.test(name)) return 'other';
    if (knownNames.has(name)) return name;
    if (knownNames.size >= MAX_OPERATION_NAMES) return 'other';
    knownNames.add(name);
    return name;
  };
  const describe = (document: DocumentNode, operationName: string | null | undefined) => {
    const operation = getOperationAST(document, operationName);
    const field = operation?.selectionSet.selections[0];
    return {
      name: nameLabel(operation?.name?.value),
      type: operation?.operation ?? 'unknown',
      field: field?.kind === 'Field' ? field.name.value : 'unknown',
    };
  };

  return {
    onExecute({ args }) {
      const started = performance.now();
      const { name, type } = describe(args.document, args.operationName);
      return {
        onExecuteDone({ result }) {
          const failed = isAsyncIterable(result) ? false : Boolean((result as ExecutionResult).errors?.length);
          metrics.graphqlDuration.observe({ operation_name: name, operation_type: type, outcome: failed ? 'error' : 'ok' }, (performance.now() - started) / 1000);
        },
      };
    },
    onSubscribe({ args }) {
      const { field } = describe(args.document, args.operationName);
      return {
        onSubscribeResult({ result }) {
          if (!isAsyncIterable(result)) return;
          metrics.subscriptionsStarted.inc({ field });
          metrics.subscriptionsOpen.inc({ field });
          let ended = false;
          return {
            onEnd() {
              if (ended) return;
              ended = true;
              metrics.subscriptionsOpen.dec({ field });
            },
          };
        },
      };
    },
  };
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

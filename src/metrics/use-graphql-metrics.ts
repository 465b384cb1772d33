import { Kind, getOperationAST, type DocumentNode, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from '../schema/context.js';
import type { GatewayMetrics } from './gateway-metrics.js';

/**
 * GraphQL operation durations by name and type, and open subscriptions by root field. Works over
 * HTTP and over graphql-ws (which executes through Yoga's envelop too).
 *
 * Operation names come from callers: only `knownNames` (see known-operations.ts) become labels,
 * any other name is "other", so no caller can fill the label space.
 */
export function useGraphQLMetrics(metrics: GatewayMetrics, knownNames: ReadonlySet<string>): Plugin<GraphQLContext> {
  const nameLabel = (name: string | undefined): string => (!name ? 'anonymous' : knownNames.has(name) ? name : 'other');
  /** `args`: envelop's execute or subscribe arguments (its typings leave document and operationName loose). */
  const describe = (args: { document: unknown; operationName?: unknown }) => {
    const operation = getOperationAST(args.document as DocumentNode, args.operationName as string | null | undefined);
    const field = operation?.selectionSet.selections[0];
    return {
      name: nameLabel(operation?.name?.value),
      type: operation?.operation ?? 'unknown',
      field: field?.kind === Kind.FIELD ? field.name.value : 'unknown',
    };
  };

  return {
    onExecute({ args }) {
      const started = performance.now();
      const { name, type } = describe(args);
      return {
        onExecuteDone({ result }) {
          const failed = isAsyncIterable(result) ? false : Boolean((result as ExecutionResult).errors?.length);
          metrics.graphqlDuration.observe(
            { operation_name: name, operation_type: type, outcome: failed ? 'error' : 'ok' },
            (performance.now() - started) / 1000,
          );
        },
      };
    },
    onSubscribe({ args }) {
      const { field } = describe(args);
      return {
        onSubscribeResult({ result, setResult }) {
          // Refused before streaming (validation, FORBIDDEN, a resolver that threw): no stream, not counted.
          if (!isAsyncIterable(result)) return;
          metrics.subscriptionsStarted.inc({ field });
          metrics.subscriptionsOpen.inc({ field });
          setResult(onceEnded(result, () => metrics.subscriptionsOpen.dec({ field })));
        },
      };
    },
  };
}

/**
 * The stream, calling `ended` exactly once however it ends: completed, failed on any `next()`
 * (a NOT_FOUND thrown before the first value), or closed by `return()`/`throw()` (client stop,
 * socket close, server shutdown). Envelop's own onEnd misses a `next()` that rejects.
 */
function onceEnded<T>(source: AsyncIterable<T>, ended: () => void): AsyncIterableIterator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let done = false;
  const end = () => {
    if (done) return;
    done = true;
    ended();
  };
  const stream: AsyncIterableIterator<T> = {
    async next() {
      try {
        const step = await iterator.next();
        if (step.done) end();
        return step;
      } catch (error) {
        end();
        throw error;
      }
    },
    async return(value?: unknown) {
      end();
      return (await iterator.return?.(value)) ?? { done: true, value: undefined as never };
    },
    async throw(error?: unknown) {
      end();
      if (iterator.throw) return iterator.throw(error);
      throw error;
    },
    [Symbol.asyncIterator]() {
      return stream;
    },
  };
  return stream;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

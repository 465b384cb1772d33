import type { ExecutionResult, GraphQLError } from 'graphql';
import { handleStreamOrSingleExecutionResult, isAsyncIterable, type Plugin } from 'graphql-yoga';

/**
 * graphql-js ends many messages with a hint built from the schema: `Did you mean "status"?`,
 * `Did you mean the enum value "SUCCEEDED"?`, `Did you mean "OrderFilter", …, or "OrderKind"?`.
 * Names never hold a "?", so the hint ends at the first one.
 */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

export function withoutSuggestions(message: string): string {
  return message.includes('Did you mean') ? message.replace(SUGGESTION, '') : message;
}

function scrub(errors: readonly (GraphQLError | Error)[] | undefined): void {
  for (const error of errors ?? []) error.message = withoutSuggestions(error.message);
}

function scrubResult(result: unknown): void {
  if (!isAsyncIterable(result)) scrub((result as ExecutionResult | undefined)?.errors);
}

/**
 * Removes every "Did you mean …?" hint from every GraphQL error: validation (unknown fields,
 * arguments, types, input fields, enum literals), variable coercion (enum values and input fields in
 * variables) and each event of a stream. For production, where the schema is not public; it works
 * the same over HTTP and WebSocket, which both run through the envelop.
 */
export function useHiddenSuggestions(): Plugin {
  return {
    onValidate() {
      return ({ result }) => scrub(result);
    },
    onExecute() {
      return {
        onExecuteDone: (payload) =>
          handleStreamOrSingleExecutionResult(payload, ({ result }) => {
            scrub(result.errors);
          }),
      };
    },
    onSubscribe() {
      return {
        onSubscribeResult({ result }) {
          if (!isAsyncIterable(result)) {
            scrubResult(result);
            return;
          }
          return {
            onNext({ result: next }) {
              scrubResult(next);
            },
          };
        },
      };
    },
  };
}

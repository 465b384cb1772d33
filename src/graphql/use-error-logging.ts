import { getOperationAST, type DocumentNode, type ExecutionResult, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from '../schema/context.js';
import type { Logger } from '../observability/logger.js';

/**
 * Codes of errors the caller caused: logged at info. Other coded errors (UPSTREAM_UNAVAILABLE, …) at
 * warn; errors without a code (bugs, masked as "Unexpected error.") at error, with the cause.
 */
const CLIENT_CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'GRAPHQL_VALIDATION_FAILED',
  'NOT_FOUND',
  'PERSISTED_QUERY_NOT_FOUND',
  'RATE_LIMITED',
]);

/**
 * One log line per GraphQL error, with the request id (x-request-id), the operation and the path,
 * so that a client's report ("request id …") leads to the cause. Variables are not logged.
 */
export function useErrorLogging(logger: Logger): Plugin<GraphQLContext> {
  /** `args`: envelop's execute or subscribe arguments (its typings leave document and operationName loose). */
  const log = (args: { contextValue?: Partial<GraphQLContext>; document: unknown; operationName?: unknown }, errors: readonly GraphQLError[]) => {
    const context = args.contextValue;
    const operation = getOperationAST(args.document as DocumentNode, args.operationName as string | null | undefined);
    for (const error of errors) {
      const code = typeof error.extensions?.code === 'string' ? error.extensions.code : undefined;
      const fields = {
        requestId: context?.requestId,
        operationName: operation?.name?.value,
        operationType: operation?.operation,
        path: error.path,
        code,
        merchant: context?.auth?.merchant.mchNo,
      };
      if (code && CLIENT_CODES.has(code)) logger.info({ ...fields, message: error.message }, 'graphql error');
      else if (code && code !== 'INTERNAL_SERVER_ERROR') logger.warn({ ...fields, message: error.message }, 'graphql error');
      else logger.error({ ...fields, err: error.originalError ?? error }, 'graphql error');
    }
  };
  return {
    onExecute({ args }) {
      return {
        onExecuteDone({ result }) {
          const errors = (result as ExecutionResult).errors;
          if (errors?.length) log(args, errors);
        },
      };
    },
    onSubscribe({ args }) {
      return {
        onSubscribeResult({ result }) {
          const errors = (result as ExecutionResult).errors;
          if (errors?.length) log(args, errors);
          return {
            onNext({ result: next }) {
              const streamed = (next as ExecutionResult).errors;
              if (streamed?.length) log(args, streamed);
            },
          };
        },
      };
    },
  };
}

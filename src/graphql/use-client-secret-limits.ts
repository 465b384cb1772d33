import { Kind, getOperationAST, type DocumentNode, type ExecutionArgs, type SelectionSetNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { CLIENT_SECRET_ROOT_FIELDS, clientSecretForbiddenError } from '../schema/client-secret-rules.js';
import type { GraphQLContext } from '../schema/context.js';

/** The root field names an operation selects, through fragments and inline fragments. */
function rootFieldNames(document: DocumentNode, selectionSet: SelectionSetNode, seen = new Set<string>()): string[] {
  const names: string[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) names.push(selection.name.value);
    else if (selection.kind === Kind.INLINE_FRAGMENT) names.push(...rootFieldNames(document, selection.selectionSet, seen));
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === selection.name.value);
      if (fragment?.kind === Kind.FRAGMENT_DEFINITION) names.push(...rootFieldNames(document, fragment.selectionSet, seen));
    }
  }
  return names;
}

/**
 * An order's client secret runs nothing but the root fields CLIENT_SECRET_ROOT_FIELDS names, over
 * HTTP and WebSocket: any other (lists, creates, payouts, balance, catalogs, introspection) is
 * FORBIDDEN before anything executes, and costs no rate limit. Tokens are untouched.
 */
export function useClientSecretLimits(): Plugin<GraphQLContext> {
  const check = (args: ExecutionArgs, stop: (result: { errors: ReturnType<typeof clientSecretForbiddenError>[] }) => void): void => {
    const auth = (args.contextValue as GraphQLContext | undefined)?.auth;
    if (!auth?.orderId) return;
    const operation = getOperationAST(args.document, args.operationName);
    if (!operation) return;
    const allowed = CLIENT_SECRET_ROOT_FIELDS[operation.operation];
    const refused = rootFieldNames(args.document, operation.selectionSet).find((name) => !allowed.has(name));
    if (refused !== undefined) stop({ errors: [clientSecretForbiddenError(`${operation.operation} field ${refused}`)] });
  };
  return {
    onExecute: ({ args, setResultAndStopExecution }) => check(args, setResultAndStopExecution),
    onSubscribe: ({ args, setResultAndStopExecution }) => check(args, setResultAndStopExecution),
  };
}

import {
  getNamedType,
  getOperationAST,
  isInputObjectType,
  isListType,
  isNonNullType,
  typeFromAST,
  type ExecutionArgs,
  type GraphQLInputType,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import type { GraphQLError } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

export interface InputLimits {
  /** Longest list accepted in any input: an argument, an input field, a variable or a default. */
  maxListItems: number;
  /** Values in an operation's variables, all counted (scalars, list items, object fields). */
  maxVariableValues: number;
}

const tooLong = (where: string, items: number, max: number) => `${where} has ${items} items; at most ${max} are allowed. Send fewer, or split the operation.`;

/**
 * Refuses list literals longer than `max` in the document, naming the input field or argument
 * (`OrderFilter.status`, `Query.orders(filter:)`).
 */
export function maxListItemsRule(max: number): ValidationRule {
  return (context) => {
    /** What the list being visited is the value of, innermost last. */
    const owners: string[] = [];
    const leave = () => void owners.pop();
    const argumentName = () => {
      const argument = context.getArgument()?.name ?? '?';
      const directive = context.getDirective();
      return directive ? `@${directive.name}(${argument}:)` : `${context.getParentType()?.name ?? '?'}.${context.getFieldDef()?.name ?? '?'}(${argument}:)`;
    };
    return {
      Argument: { enter: () => void owners.push(argumentName()), leave },
      ObjectField: { enter: (node) => void owners.push(`${getNamedType(context.getParentInputType())?.name ?? '?'}.${node.name.value}`), leave },
      VariableDefinition: { enter: (node) => void owners.push(`The default of $${node.variable.name.value}`), leave },
      ListValue(node) {
        if (node.values.length <= max) return;
        const field = owners.at(-1) ?? 'A list';
        context.reportError(
          createGraphQLError(tooLong(field, node.values.length, max), { nodes: [node], extensions: { code: 'BAD_USER_INPUT', field, maxItems: max } }),
        );
      },
    };
  };
}

class VariableLimitError extends Error {
  constructor(readonly graphqlError: GraphQLError) {
    super(graphqlError.message);
  }
}

/**
 * Walks raw variables before graphql-js coerces them, stopping at the first list over the limit
 * (without reading its items) or once the value budget is spent: a 95,000-item list costs one
 * comparison. The declared types only serve to name the input field in the error.
 */
export function checkVariables(
  schema: GraphQLSchema,
  args: Pick<ExecutionArgs, 'document' | 'operationName' | 'variableValues'>,
  limits: InputLimits,
): GraphQLError | null {
  const variables = args.variableValues;
  if (!variables || typeof variables !== 'object') return null;
  const operation = getOperationAST(args.document, args.operationName);
  const declared = new Map<string, GraphQLInputType | undefined>();
  for (const definition of operation?.variableDefinitions ?? []) {
    declared.set(definition.variable.name.value, typeFromAST(schema, definition.type as never) as GraphQLInputType | undefined);
  }
  let values = 0;
  const walk = (value: unknown, type: GraphQLInputType | undefined, path: string[], owner: string): void => {
    values += 1;
    if (values > limits.maxVariableValues) {
      throw new VariableLimitError(
        createGraphQLError(`The variables hold more than ${limits.maxVariableValues} values; send less data in one operation.`, {
          extensions: { code: 'BAD_USER_INPUT', maxVariableValues: limits.maxVariableValues },
        }),
      );
    }
    const inner = type && isNonNullType(type) ? type.ofType : type;
    if (Array.isArray(value)) {
      if (value.length > limits.maxListItems) {
        const where = path.length === 1 ? `Variable "$${path[0]}"` : `Variable "$${path[0]}" at "${path.join('.')}" (${owner})`;
        throw new VariableLimitError(
          createGraphQLError(tooLong(where, value.length, limits.maxListItems), {
            extensions: { code: 'BAD_USER_INPUT', field: owner, variablePath: path, maxItems: limits.maxListItems },
          }),
        );
      }
      const item = inner && isListType(inner) ? inner.ofType : undefined;
      value.forEach((entry, index) => walk(entry, item, [...path, String(index)], owner));
      return;
    }
    if (value && typeof value === 'object') {
      const fields = inner && isInputObjectType(inner) ? inner.getFields() : undefined;
      for (const key in value) {
        const field = fields?.[key];
        walk((value as Record<string, unknown>)[key], field?.type, [...path, key], field && inner ? `${getNamedType(inner).name}.${key}` : key);
      }
    }
  };
  try {
    for (const name in variables) walk(variables[name], declared.get(name), [name], `$${name}`);
  } catch (error) {
    if (error instanceof VariableLimitError) return error.graphqlError;
    throw error;
  }
  return null;
}

/** Refuses, before execution, list literals and variables over the limits, over HTTP and WebSocket. */
export function useInputLimits(limits: InputLimits): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(maxListItemsRule(limits.maxListItems));
    },
    onExecute({ args, setResultAndStopExecution }) {
      const error = checkVariables(args.schema as GraphQLSchema, args, limits);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = checkVariables(args.schema as GraphQLSchema, args, limits);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}

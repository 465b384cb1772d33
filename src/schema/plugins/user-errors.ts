import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import type { GraphQLFieldResolver } from 'graphql';
import { toBusinessError, toGraphQLError, type ErrorArguments } from '../business-errors.js';

/**
 * Where a root field's business errors go. A mutation field declares its payload with
 * `extensions: { userErrors: { subject: 'order', input: 'input', subjectId: 'id' } }`: an error
 * becomes `{ userErrors, [subject]: the object it is about }`, fields named from the arguments.
 */
export interface UserErrorsOptions extends ErrorArguments {
  /** The payload field that carries the object the mutation is about. */
  subject: string;
}

/**
 * Applies the one mapping of domain errors (business-errors.ts) to every root field: business errors
 * become payloads for mutation fields that declare one (see UserErrorsOptions); every other domain
 * error, in queries and subscriptions too, a top-level GraphQL error with its code instead of a
 * masked "Unexpected error." It sits after scope-auth (so UNAUTHENTICATED/FORBIDDEN stay
 * top-level) and before the zod plugin (so input validation failures become VALIDATION userErrors).
 */
export class UserErrorsPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    if (fieldConfig.parentType !== 'Query' && fieldConfig.parentType !== 'Mutation') return resolver;
    const payload = fieldConfig.extensions?.userErrors as UserErrorsOptions | undefined;
    return async (parent, args, context, info) => {
      try {
        return await resolver(parent, args, context, info);
      } catch (error) {
        const business = payload ? toBusinessError(error, payload) : null;
        if (business) return { userErrors: business.userErrors, [payload!.subject]: business.subject };
        throw toGraphQLError(error, args as Record<string, unknown>) ?? error;
      }
    };
  }

  /** A subscription refused when it starts, or by its stream before the first event (NOT_FOUND). */
  override wrapSubscribe(
    subscribe: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    if (fieldConfig.parentType !== 'Subscription') return subscribe;
    return async (parent, args, context, info) => {
      const mapped = (error: unknown) => toGraphQLError(error, args as Record<string, unknown>) ?? error;
      try {
        return withMappedErrors((await subscribe(parent, args, context, info)) as AsyncIterable<unknown>, mapped);
      } catch (error) {
        throw mapped(error);
      }
    };
  }
}

function withMappedErrors<T>(source: AsyncIterable<T>, mapped: (error: unknown) => unknown): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const iterator = source[Symbol.asyncIterator]();
      return {
        next: () =>
          iterator.next().catch((error: unknown) => {
            throw mapped(error);
          }),
        return: (value?: unknown) => iterator.return?.(value) ?? Promise.resolve({ done: true, value: value as T }),
      };
    },
  };
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      userErrors: UserErrorsPlugin<Types>;
    }
  }
}

SchemaBuilder.registerPlugin('userErrors', UserErrorsPlugin);

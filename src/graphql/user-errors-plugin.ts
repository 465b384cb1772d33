import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import type { GraphQLFieldResolver } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
import { UserFacingError, type UserErrorDetail } from '../errors.js';

/**
 * Turns business errors into `{ order, userErrors }` payloads for mutation fields marked with
 * `extensions: { userErrors: true }`; elsewhere (queries) into GraphQL errors clients can read
 * (`BAD_USER_INPUT` for validation) instead of masked "Unexpected error"s. It sits after scope-auth (so UNAUTHENTICATED/FORBIDDEN stay
 * top-level) and before the zod plugin (so input validation failures become VALIDATION userErrors).
 */
export class UserErrorsPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    const rootField = fieldConfig.parentType === 'Query' || fieldConfig.parentType === 'Mutation';
    if (!rootField) return resolver;
    if (!fieldConfig.extensions?.userErrors) {
      return async (parent, args, context, info) => {
        try {
          return await resolver(parent, args, context, info);
        } catch (error) {
          if (!(error instanceof UserFacingError)) throw error;
          const [first] = error.details;
          throw createGraphQLError(error.message, {
            extensions: { code: first?.code === 'VALIDATION' ? 'BAD_USER_INPUT' : first?.code, userErrors: error.details },
          });
        }
      };
    }
    return async (parent, args, context, info) => {
      try {
        return await resolver(parent, args, context, info);
      } catch (error) {
        if (error instanceof UserFacingError) return { order: error.order ?? null, userErrors: error.details };
        throw error;
      }
    };
  }
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

export type { UserErrorDetail };

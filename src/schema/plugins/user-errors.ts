import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import type { GraphQLFieldResolver } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
import { toBusinessError } from '../business-errors.js';

/**
 * Where a root field's business errors go. A mutation field declares its payload with
 * `extensions: { userErrors: { subject: 'order', input: 'input' } }`: an error becomes
 * `{ userErrors, [subject]: the object it is about }`, fields named from the `input` argument.
 */
export interface UserErrorsOptions {
  /** The payload field that carries the object the mutation is about. */
  subject: string;
  /** The argument holding the domain's fields (omit when they are top-level arguments). */
  input?: string;
}

/**
 * Turns business errors into payloads for mutation fields that declare one (see UserErrorsOptions);
 * elsewhere (queries) into GraphQL errors clients can read (`BAD_USER_INPUT` for validation, the
 * upstream codes with TarsPay's `upstreamCode`) instead of masked "Unexpected error"s. It sits
 * after scope-auth (so UNAUTHENTICATED/FORBIDDEN stay top-level) and before the zod plugin (so
 * input validation failures become VALIDATION userErrors).
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
        const business = toBusinessError(error, payload?.input);
        if (!business) throw error;
        if (payload) return { userErrors: business.userErrors, [payload.subject]: business.subject };
        const [first] = business.userErrors;
        throw createGraphQLError(business.userErrors.map((detail) => detail.message).join('; '), {
          extensions: {
            code: first?.code === 'VALIDATION' ? 'BAD_USER_INPUT' : first?.code,
            userErrors: business.userErrors,
            ...(first?.upstreamCode !== undefined ? { upstreamCode: first.upstreamCode } : {}),
          },
        });
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

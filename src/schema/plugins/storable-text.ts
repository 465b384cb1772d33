import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import type { GraphQLFieldResolver } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from '../../db/storable-text.js';
import { InputError, type UserErrorDetail } from '../business-errors.js';

/**
 * Refuses text PostgreSQL or TarsPay cannot carry (NUL, lone surrogates) in any argument of any
 * root field, input objects and lists included, before the resolver does anything: nothing is
 * stored, nothing is sent to TarsPay, and no database error (with its SQL and the customer's data)
 * can come of it. Mutations get a VALIDATION userError naming the field (through the userErrors
 * plugin, which sits outside this one); queries and subscriptions a BAD_USER_INPUT error.
 */
export class StorableTextPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  /**
   * Global ID arguments (`node(id:)`) are decoded by the relay plugin's argument mapper, which runs
   * before any resolver wrapper: check their raw text in a mapper that runs before it.
   */
  override onOutputFieldConfig(fieldConfig: PothosOutputFieldConfig<Types>): PothosOutputFieldConfig<Types> {
    if (!isRootType(fieldConfig.parentType) || globalIdArguments(fieldConfig).size === 0) return fieldConfig;
    const checkRawArguments = (args: Record<string, unknown>) => {
      const problems = unstorableArguments(args);
      if (problems.length > 0) throw badUserInput(problems);
      return args;
    };
    return { ...fieldConfig, argMappers: [checkRawArguments, ...(fieldConfig.argMappers ?? [])] };
  }

  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    if (fieldConfig.parentType !== 'Query' && fieldConfig.parentType !== 'Mutation') return resolver;
    const globalIds = globalIdArguments(fieldConfig);
    return (parent, args, context, info) => {
      const problems = unstorableArguments(args, globalIds);
      if (problems.length > 0) throw new InputError(problems);
      return resolver(parent, args, context, info);
    };
  }

  override wrapSubscribe(
    subscribe: GraphQLFieldResolver<unknown, Types['Context'], object> | undefined,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> | undefined {
    if (fieldConfig.parentType !== 'Subscription' || !subscribe) return subscribe;
    const globalIds = globalIdArguments(fieldConfig);
    return (parent, args, context, info) => {
      const problems = unstorableArguments(args, globalIds);
      if (problems.length > 0) throw badUserInput(problems);
      return subscribe(parent, args, context, info);
    };
  }
}

function isRootType(parentType: string): boolean {
  return parentType === 'Query' || parentType === 'Mutation' || parentType === 'Subscription';
}

/** Arguments the relay plugin decodes into { typename, id }: a problem in either is the argument's. */
function globalIdArguments<Types extends SchemaTypes>(fieldConfig: PothosOutputFieldConfig<Types>): Set<string> {
  return new Set(
    Object.entries(fieldConfig.args)
      .filter(([, arg]) => arg.extensions?.isRelayGlobalID)
      .map(([name]) => name),
  );
}

function badUserInput(problems: UserErrorDetail[]) {
  return createGraphQLError(problems.map((problem) => problem.message).join('; '), { extensions: { code: 'BAD_USER_INPUT', userErrors: problems } });
}

/** Every string in the arguments that cannot be stored, with its path (["input", "customer", "name"]). */
export function unstorableArguments(args: object, wholeArguments: ReadonlySet<string> = new Set()): UserErrorDetail[] {
  const problems: UserErrorDetail[] = [];
  const visit = (value: unknown, path: string[]): void => {
    if (typeof value === 'string') {
      if (isStorableText(value)) return;
      const field = wholeArguments.has(path[0]!) ? path.slice(0, 1) : path;
      if (!problems.some((problem) => problem.field!.join('.') === field.join('.'))) {
        problems.push({ code: 'VALIDATION', field, message: `${field.join('.')}: ${UNSTORABLE_TEXT_MESSAGE}` });
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => visit(item, [...path, String(index)]));
    } else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
      for (const [key, item] of Object.entries(value)) visit(item, [...path, key]);
    }
  };
  visit(args, []);
  return problems;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      storableText: StorableTextPlugin<Types>;
    }
  }
}

SchemaBuilder.registerPlugin('storableText', StorableTextPlugin);

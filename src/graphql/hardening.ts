import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { NoSchemaIntrospectionCustomRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from './context.js';
import { useMutationRateLimit, type RateLimitOptions } from './rate-limit.js';

export interface HardeningOptions {
  introspection: boolean;
  /** "Did you mean …" hints reveal the schema: off when introspection is off. */
  fieldSuggestions: boolean;
  rateLimit: RateLimitOptions;
}

/** Limits every operation passes before it runs, over HTTP and WebSocket alike. */
export function hardeningPlugins(options: HardeningOptions): Plugin<GraphQLContext>[] {
  const plugins: Plugin<GraphQLContext>[] = [
    EnvelopArmorPlugin({
      maxDepth: { n: 10 },
      maxAliases: { n: 15 },
      maxDirectives: { n: 20 },
      maxTokens: { n: 2000 },
      costLimit: { maxCost: 5000 },
      blockFieldSuggestion: { enabled: !options.fieldSuggestions },
    }) as Plugin<GraphQLContext>,
    useMutationRateLimit(options.rateLimit),
  ];
  if (!options.introspection) {
    plugins.push({
      onValidate({ addValidationRule }) {
        addValidationRule(NoSchemaIntrospectionCustomRule);
      },
    });
  }
  return plugins;
}

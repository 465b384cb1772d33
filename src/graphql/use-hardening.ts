import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { NoSchemaIntrospectionCustomRule, type ValidationRule } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
import type { Plugin } from 'graphql-yoga';
import type { GraphQLContext } from '../schema/context.js';
import { useHiddenSuggestions } from './use-hidden-suggestions.js';
import { useInputLimits, type InputLimits } from './use-input-limits.js';
import { useCostRateLimit, type RateLimitOptions } from './use-cost-rate-limit.js';

export interface HardeningOptions {
  introspection: boolean;
  /** "Did you mean …" hints reveal the schema: off in production. */
  suggestions: boolean;
  rateLimit: RateLimitOptions;
  inputLimits: InputLimits;
}

/**
 * Limits every operation passes before it runs, over HTTP and WebSocket alike, cheapest first:
 * the document's shape (armor, list literals), then its variables, then its cost against the
 * rate limits (a refused operation is not charged). One plugin that adds those, in that order.
 */
export function useHardening(options: HardeningOptions): Plugin<GraphQLContext> {
  const plugins = hardeningPlugins(options);
  return {
    onPluginInit({ addPlugin }) {
      for (const plugin of plugins) addPlugin(plugin);
    },
  };
}

function hardeningPlugins(options: HardeningOptions): Plugin<GraphQLContext>[] {
  const plugins: Plugin<GraphQLContext>[] = [
    EnvelopArmorPlugin({
      maxDepth: { n: 10 },
      maxAliases: { n: 15 },
      maxDirectives: { n: 20 },
      maxTokens: { n: 2000 },
      costLimit: { maxCost: 5000 },
      // useHiddenSuggestions covers every kind of hint, not only fields'.
      blockFieldSuggestion: { enabled: false },
    }),
    useInputLimits(options.inputLimits) as Plugin<GraphQLContext>,
    useCostRateLimit(options.rateLimit),
  ];
  if (!options.introspection) {
    plugins.push({
      onValidate({ addValidationRule }) {
        addValidationRule(NoSchemaIntrospectionCustomRule);
        addValidationRule(noFederationServiceRule);
      },
    });
  }
  if (!options.suggestions) plugins.push(useHiddenSuggestions() as Plugin<GraphQLContext>);
  return plugins;
}

/** Query._service answers the whole SDL, as introspection would: off with it (compose from schema/schema.graphql instead). */
const noFederationServiceRule: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === '_service' && context.getParentType() === context.getSchema().getQueryType()) {
      context.reportError(
        createGraphQLError('Query._service is off, as introspection is (INTROSPECTION): compose the supergraph from schema/schema.graphql.', {
          nodes: [node],
        }),
      );
    }
  },
});

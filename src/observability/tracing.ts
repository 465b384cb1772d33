import type { Plugin } from 'graphql-yoga';
import type { Tracing, TracingOptions } from './tracing-types.js';
import type { TracingSettings } from './tracing-settings.js';

export type { Tracing, TracingOptions } from './tracing-types.js';

/**
 * Starts tracing as `settings` say; undefined when they leave it off and no span processor is
 * given: then nothing is registered, the OpenTelemetry API stays a no-op, and the SDK, its
 * exporters and the GraphQL plugin (~250 ms and ~25 MB to load) are never loaded.
 */
export async function startTracing(settings: TracingSettings, options: TracingOptions = {}): Promise<Tracing | undefined> {
  if (settings.exporters.length === 0 && (options.spanProcessors ?? []).length === 0) return undefined;
  const { startTracingSdk } = await import('./tracing-sdk.js');
  return startTracingSdk(settings, options);
}

/** The GraphQL operation spans' envelop plugin, loaded with the SDK. */
export async function graphqlTracingPlugin<Context extends object>(tracing: Tracing): Promise<Plugin<Context>> {
  const { useGraphQLTracing } = await import('./use-graphql-tracing.js');
  return useGraphQLTracing<Context>(tracing.provider);
}

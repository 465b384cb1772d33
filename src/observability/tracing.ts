import { DiagLogLevel, context, diag, propagation, trace, type DiagLogger, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { TRACER_NAME } from '../lib/tracing.js';
import type { SamplerName, TracingSettings } from './tracing-settings.js';

export interface TracingOptions {
  /** More span processors (tests: an in-memory exporter). Tracing starts with them even when OTEL_* leave it off. */
  spanProcessors?: SpanProcessor[];
  /** Where the SDK's own warnings and errors go (a collector that cannot be reached, spans dropped): the gateway's log. */
  logger?: { warn(fields: object, message: string): void; error(fields: object, message: string): void };
}

/** A started tracer provider: hand it to the GraphQL plugin and the HTTP server; shut it down last (it flushes). */
export interface Tracing {
  provider: TracerProvider;
  /** Our spans' tracer (HTTP server spans). */
  tracer: Tracer;
  /** Reads W3C `traceparent` from incoming requests; nothing is ever sent to TarsPay. */
  propagator: W3CTraceContextPropagator;
  shutdown(): Promise<void>;
}

const SAMPLERS: Record<SamplerName, (ratio: number) => Sampler> = {
  always_on: () => new AlwaysOnSampler(),
  always_off: () => new AlwaysOffSampler(),
  traceidratio: (ratio) => new TraceIdRatioBasedSampler(ratio),
  parentbased_always_on: () => new ParentBasedSampler({ root: new AlwaysOnSampler() }),
  parentbased_always_off: () => new ParentBasedSampler({ root: new AlwaysOffSampler() }),
  parentbased_traceidratio: (ratio) => new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }),
};

/** The provider registered as the API's global one, by whichever gateway of this process started first. */
let registered: NodeTracerProvider | undefined;

/**
 * Starts tracing as `settings` say (undefined when they leave it off and no span processor is given:
 * then nothing is registered and the OpenTelemetry API stays a no-op). The provider becomes the
 * API's global one, with async-context propagation, so spans started anywhere through
 * @opentelemetry/api (SQL, TarsPay calls, callbacks) join the request's trace.
 */
export function startTracing(settings: TracingSettings, options: TracingOptions = {}): Tracing | undefined {
  const extra = options.spanProcessors ?? [];
  if (settings.exporters.length === 0 && extra.length === 0) return undefined;
  const provider = new NodeTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ ...settings.resourceAttributes, [ATTR_SERVICE_NAME]: settings.serviceName })),
    sampler: SAMPLERS[settings.sampler.name](settings.sampler.ratio),
    spanProcessors: [...settings.exporters.map((name) => exportingProcessor(name, settings)), ...extra],
  });
  const propagator = new W3CTraceContextPropagator();
  const global = !registered;
  if (global) {
    provider.register({ propagator });
    if (options.logger) diag.setLogger(diagnosticsTo(options.logger), { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
    registered = provider;
  }
  return {
    provider,
    tracer: provider.getTracer(TRACER_NAME),
    propagator,
    async shutdown() {
      // An unreachable collector must not fail the gateway's shutdown: the spans are lost, and said so.
      await provider
        .shutdown()
        .catch((error: unknown) => options.logger?.warn({ component: 'opentelemetry', details: [String(error)] }, 'tracing: spans not flushed at shutdown'));
      if (global && registered === provider) {
        registered = undefined;
        trace.disable();
        context.disable();
        propagation.disable();
        diag.disable();
      }
    },
  };
}

function exportingProcessor(name: TracingSettings['exporters'][number], settings: TracingSettings): SpanProcessor {
  if (name === 'console') return new SimpleSpanProcessor(new ConsoleSpanExporter());
  const { url, headers, timeoutMs, protocol } = settings.otlp;
  const Exporter = protocol === 'http/json' ? OTLPJsonTraceExporter : OTLPProtobufTraceExporter;
  return new BatchSpanProcessor(new Exporter({ url, headers, timeoutMillis: timeoutMs }));
}

function diagnosticsTo(logger: NonNullable<TracingOptions['logger']>): DiagLogger {
  const details = (args: unknown[]) => ({ component: 'opentelemetry', details: args.map((arg) => String(arg).slice(0, 500)) });
  const ignore = () => {};
  return {
    error: (message, ...args) => logger.error(details(args), `tracing: ${message}`),
    warn: (message, ...args) => logger.warn(details(args), `tracing: ${message}`),
    info: ignore,
    debug: ignore,
    verbose: ignore,
  };
}

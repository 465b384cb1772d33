import { DiagLogLevel, context, diag, propagation, trace, type DiagLogger } from '@opentelemetry/api';
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
import type { Tracing, TracingOptions } from './tracing-types.js';
import type { SamplerName, TracingSettings } from './tracing-settings.js';

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
 * The OpenTelemetry SDK, loaded only when tracing is on (src/observability/tracing.ts). The provider
 * becomes the API's global one, with async-context propagation, so spans started anywhere through
 * @opentelemetry/api (SQL, TarsPay calls, callbacks) join the request's trace.
 */
export function startTracingSdk(settings: TracingSettings, options: TracingOptions): Tracing {
  const extra = options.spanProcessors ?? [];
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

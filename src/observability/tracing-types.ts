import type { Tracer, TracerProvider } from '@opentelemetry/api';
import type { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';

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

import { INVALID_SPAN_CONTEXT, ProxyTracerProvider, SpanStatusCode, context, trace, type Span, type SpanOptions } from '@opentelemetry/api';

/**
 * Spans for our own code, through the OpenTelemetry API only (src/observability sets the SDK up,
 * when OTEL_* ask for it). Without it every call here is the API's no-op: instrumented code asks
 * `recordingParent()` first and allocates nothing when tracing is off. Spans never carry
 * tokens, keys, signatures, request bodies or error messages (those can quote customer data):
 * errors are recorded by their type only.
 */

export const TRACER_NAME = 'tarspay-graphql';

/** The active span when it records: a child span is worth starting only then. */
export function recordingParent(): Span | undefined {
  const span = trace.getActiveSpan();
  return span?.isRecording() ? span : undefined;
}

/** A span under the active one. Looked up per call: the registered provider may change (tests). */
export function startSpan(name: string, options: SpanOptions): Span {
  return trace.getTracer(TRACER_NAME).startSpan(name, options);
}

/** Ends the span; a failure sets ERROR with `error.type` (the error's class), never its message. */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) failSpan(span, error);
  span.end();
}

export function failSpan(span: Span, error: unknown, type = error instanceof Error ? error.name : 'error'): void {
  span.setAttribute('error.type', type);
  span.setStatus({ code: SpanStatusCode.ERROR, message: type });
}

/** `work` inside a child span of the active recording span, or plainly when there is none. */
export async function inChildSpan<T>(name: string, options: SpanOptions, work: (span: Span | undefined) => Promise<T>): Promise<T> {
  if (!recordingParent()) return work(undefined);
  return inSpan(name, options, work);
}

/** Handed to work that runs with tracing off: records nothing. */
const NOT_RECORDING = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** Whether an SDK is registered behind the API (src/observability registers one when OTEL_* ask for it). */
function tracingOn(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegateTracer(TRACER_NAME) !== undefined;
}

/**
 * `work` inside a new trace of its own (a background pass, not part of any request). With tracing
 * off `work` runs plainly, with a span that records nothing: no span is started, no context entered,
 * no promise wraps it (a webhook delivery is one of these each).
 */
export function inRootSpan<T>(name: string, options: SpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  if (!tracingOn()) return work(NOT_RECORDING);
  return inSpan(name, { ...options, root: true }, work);
}

async function inSpan<T>(name: string, options: SpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  const span = startSpan(name, options);
  try {
    const result = await context.with(trace.setSpan(context.active(), span), () => work(span));
    span.end();
    return result;
  } catch (error) {
    endSpan(span, error);
    throw error;
  }
}

/** `trace_id` and `span_id` of the active span, for log lines (pino's mixin); nothing outside a trace. */
export function traceLogFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

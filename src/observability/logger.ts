import pino, { type DestinationStream, type Logger } from 'pino';
import { RedactedDatabaseError, withoutDatabaseValues } from './log-redaction.js';
import { traceLogFields } from '../lib/tracing.js';

export type { Logger };

/** Paths that may hold secrets anywhere in a log line: they are censored, never written. */
export const REDACTED_PATHS = [
  'privateKey',
  '*.privateKey',
  '*.*.privateKey',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  '*.headers["x-api-signature"]',
  'req.headers.authorization',
  'connectionParams.authorization',
  'TARSPAY_PRIVATE_KEY',
  'KEY_ENCRYPTION_KEY',
  'KEY_ENCRYPTION_KEY_PREVIOUS',
  'SANDBOX_PLATFORM_PRIVATE_KEY',
  // May hold the tracing collector's API key.
  'OTEL_EXPORTER_OTLP_HEADERS',
  'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
];

/**
 * `err` as pino serialises errors, except that database errors (and errors caused by one) lose the
 * values their SQL carried: customers' emails and phones never reach a log line.
 */
export function serializeError(error: unknown): unknown {
  const redacted = withoutDatabaseValues(error);
  if (!(redacted instanceof Error)) return redacted;
  const serialized = pino.stdSerializers.err(redacted);
  // The original class's name (e.g. UniqueConstraintViolationException), not the redacted copy's.
  if (redacted instanceof RedactedDatabaseError) serialized.type = redacted.name;
  return serialized;
}

export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'tarspay-graphql' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: serializeError },
      // trace_id and span_id on lines written inside a trace (when OTEL_* turn tracing on).
      mixin: traceLogFields,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}

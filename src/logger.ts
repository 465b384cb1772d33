import pino, { type DestinationStream, type Logger } from 'pino';

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
];

export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'tarspay-graphql' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}

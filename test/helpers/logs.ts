import { Writable } from 'node:stream';
import { createLogger } from '../../src/observability/logger.js';

/** The gateway's logger (src/observability/logger.ts: its redaction, its serializers) writing each line into `lines` instead of stdout. */
export function recordingLogger(lines: string[], level?: string) {
  return createLogger({
    level,
    destination: new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  });
}

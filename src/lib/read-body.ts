import type { IncomingMessage } from 'node:http';

export type BodyResult = { ok: true; body: Buffer } | { ok: false; reason: 'too-large' | 'aborted' };

/**
 * Reads the whole request body, keeping at most `limit` bytes. A body over the limit is drained,
 * not kept, so that the client (still uploading) gets the 413 answer rather than a broken pipe;
 * past 16 × limit the sender is not a confused client and the connection is dropped.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  const drainLimit = 16 * limit;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else chunks.length = 0;
      if (size > drainLimit) req.destroy();
    });
    req.on('end', () => resolve(size > limit ? { ok: false, reason: 'too-large' } : { ok: true, body: Buffer.concat(chunks) }));
    req.on('error', () => resolve({ ok: false, reason: 'aborted' }));
    req.on('close', () => {
      if (!req.complete) resolve({ ok: false, reason: size > limit ? 'too-large' : 'aborted' });
    });
  });
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallbackService } from '../callbacks/callback.service.js';
import { readBody } from '../lib/read-body.js';

/** A TarsPay callback is a few hundred bytes; anything near this is not one. */
export const CALLBACK_BODY_LIMIT = 64 * 1024;

/** POST /tarspay/notify: the raw bytes go to verification untouched (no JSON parsing before it). */
export async function handleNotify(callbacks: CallbackService, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain' }).end('method not allowed: TarsPay callbacks are POST');
    return;
  }
  const read = await readBody(req, CALLBACK_BODY_LIMIT);
  if (!read.ok) {
    if (read.reason === 'too-large') res.writeHead(413, { 'content-type': 'text/plain', connection: 'close' }).end('payload too large');
    return;
  }
  const signature = req.headers['x-resp-signature'];
  const answer = await callbacks.receive(read.body, Array.isArray(signature) ? signature[0] : signature);
  res.writeHead(answer.httpStatus, { 'content-type': 'text/plain; charset=utf-8' }).end(answer.body);
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody as readLimitedBody, type BodyResult } from '../lib/read-body.js';

/** Reading request bodies with a size limit, and writing answers. */

export const BODY_LIMIT = 1024 * 1024;

export type { BodyResult } from '../lib/read-body.js';

export function readBody(req: IncomingMessage, limit = BODY_LIMIT): Promise<BodyResult> {
  return readLimitedBody(req, limit);
}

export function sendBody(res: ServerResponse, status: number, contentType: string, body: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  sendBody(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  sendBody(res, status, 'text/html; charset=utf-8', html);
}

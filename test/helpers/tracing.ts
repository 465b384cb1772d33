import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** The spans of one trace, with lookups by name and parent. */
export class Trace {
  constructor(readonly spans: ReadableSpan[]) {}

  static of(spans: ReadableSpan[], traceId: string): Trace {
    return new Trace(spans.filter((span) => span.spanContext().traceId === traceId));
  }

  named(name: string | RegExp): ReadableSpan[] {
    return this.spans.filter((span) => (typeof name === 'string' ? span.name === name : name.test(span.name)));
  }

  one(name: string | RegExp): ReadableSpan {
    const found = this.named(name);
    if (found.length !== 1)
      throw new Error(`expected one span named ${String(name)}, found ${found.length}: ${this.spans.map((span) => span.name).join(', ')}`);
    return found[0]!;
  }

  sql(): ReadableSpan[] {
    return this.spans.filter((span) => span.attributes['db.system'] === 'postgresql');
  }

  parentOf(span: ReadableSpan): ReadableSpan | undefined {
    const parentId = span.parentSpanContext?.spanId;
    return this.spans.find((candidate) => candidate.spanContext().spanId === parentId);
  }

  /** True when `ancestor` is on the span's chain of parents. */
  descendsFrom(span: ReadableSpan, ancestor: ReadableSpan): boolean {
    for (let parent = this.parentOf(span); parent; parent = this.parentOf(parent)) if (parent === ancestor) return true;
    return false;
  }

  /** The server span every other span of the trace descends from. */
  root(): ReadableSpan {
    const roots = this.spans.filter((span) => !this.parentOf(span));
    if (roots.length !== 1 || roots[0]!.kind !== SpanKind.SERVER)
      throw new Error(`expected one server span at the root, found ${roots.map((span) => span.name).join(', ')}`);
    return roots[0]!;
  }
}

/** Everything a span says, as text: name, attributes, events (with theirs), status, resource. */
export function spanText(span: ReadableSpan): string {
  return JSON.stringify({
    name: span.name,
    attributes: span.attributes,
    events: span.events,
    status: span.status,
    links: span.links,
    resource: span.resource.attributes,
  });
}

/** A loopback HTTP proxy to `target` (set it before the first request) that keeps the headers of every request it forwards. */
export async function startRecordingProxy(): Promise<{ url: string; target: string; headers: IncomingHttpHeaders[]; close(): Promise<void> }> {
  const headers: IncomingHttpHeaders[] = [];
  const server: Server = createServer((req, res) => {
    headers.push(req.headers);
    const upstream = new URL(proxy.target);
    const forward = request(
      { hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, host: upstream.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    target: '',
    headers,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return proxy;
}

/** A loopback stand-in for an OpenTelemetry collector's OTLP/HTTP receiver: keeps every request. */
export async function startCollector(): Promise<{
  url: string;
  requests: Array<{ path: string; headers: IncomingHttpHeaders; body: Buffer }>;
  close(): Promise<void>;
}> {
  const requests: Array<{ path: string; headers: IncomingHttpHeaders; body: Buffer }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/json' }).end(req.headers['content-type']?.includes('json') ? '{}' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

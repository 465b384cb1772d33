import { Agent, request } from 'node:http';

/**
 * POSTs over a bounded keep-alive pool, as a real sender (TarsPay) would: an open-loop load through
 * fetch opens a new connection per request in flight, which overflows the listen backlog of a
 * saturated server and measures connection failures instead of the server.
 */
export const callbackAgent = new Agent({ keepAlive: true, maxSockets: 64 });

export function post(url: string, headers: Record<string, string>, body: string, agent: Agent = callbackAgent): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const outgoing = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent,
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** GraphQL documents for webhooks, and a local receiver. */
export const ENDPOINT_CREATE = `mutation ($input: WebhookEndpointCreateInput!) {
  webhookEndpointCreate(input: $input) { endpoint { id url enabled disabledReason } secret userErrors { field code message } }
}`;
export const PAID_DOCUMENT = `subscription { orderEvents(filter: { status: [SUCCEEDED] }) { cursor status order { id merchantOrderNo status amount paidAmount } } }`;
export const UPDATE = `mutation ($id: ID!, $input: WebhookEndpointUpdateInput!) { webhookEndpointUpdate(id: $id, input: $input) { endpoint { id enabled disabledReason } userErrors { field code message } } }`;
export const DELIVERIES = `query ($id: ID!) { webhookDeliveries(endpointId: $id) { edges { node { id eventCursor webhookId attempt status httpStatus durationMs responseSnippet } } } }`;

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/**
 * What the receiver answers to the n-th request (1-based): a status, or 'hang' (never answers),
 * 'trickle' (200, then a byte every 50 ms, never ending) or 'endless' (200, then a body that never
 * ends, as fast as it is read).
 */
export type Answer = (request: ReceivedWebhook, n: number) => number | 'hang' | 'trickle' | 'endless';

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  answer: Answer;
  close(): Promise<void>;
}

/** A merchant's backend on a loopback port: records every request and answers as `answer` says (200 by default). */
export async function startWebhookReceiver(answer: Answer = () => 200): Promise<WebhookReceiver> {
  const receiver: WebhookReceiver = { url: '', received: [], answer, close: async () => undefined };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const received = { headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      receiver.received.push(received);
      const status = receiver.answer(received, receiver.received.length);
      if (status === 'hang') return;
      if (status === 'trickle' || status === 'endless') {
        response.writeHead(200, { 'content-type': 'text/plain' });
        const more = () => {
          if (status === 'trickle') setTimeout(() => !response.destroyed && response.write('x', more), 50);
          else while (!response.destroyed && response.write('x'.repeat(4096)));
        };
        if (status === 'endless') response.on('drain', more);
        more();
        return;
      }
      // A redirect names a place (on this receiver) that a client following it would reach.
      const moved = status >= 300 && status < 400 ? { location: `${receiver.url}/moved` } : {};
      response.writeHead(status, { 'content-type': 'text/plain', ...moved }).end(status < 300 ? 'ok' : `failing on purpose (${status})`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/tarspay`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

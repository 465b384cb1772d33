import { Agent, request } from 'node:http';
import { encodeEventCursor, readCursor } from '../../src/orders/event-stream.js';
import { generateWebhookSecret, signWebhook, webhookSecretKey } from '../../src/webhooks/webhook-signing.js';
import type { BenchEnvironment } from '../lib/environment.js';
import { graphql } from '../lib/graphql.js';
import { processCpuMs, startTsx } from '../lib/processes.js';
import { inLanes } from '../lib/stats.js';

/**
 * Webhook deliveries from one gateway process to a local receiver (a process of its own): a backlog
 * of `events` committed order events replayed to `endpoints` endpoints at once (webhookReplay), each
 * delivered in commit order, rendered from its subscription document, signed and POSTed, and
 * recorded. `per_s`: deliveries answered per second; `cpu_us_per_delivery`: the gateway's CPU
 * (all threads) per delivery. The floor: a raw signed POST (signWebhook over a body of the same
 * size, then node:http with keep-alive), sent by this process with the same concurrency.
 */

export interface WebhooksOptions {
  endpoints: number;
  events: number;
  /** Raw signed POSTs for the floor. */
  rawPosts: number;
}

export interface WebhooksResult {
  per_s: number;
  deliveries: number;
  seconds: number;
  endpoints: number;
  cpu_us_per_delivery: number;
  raw_post_cpu_us: number;
  /** cpu_us_per_delivery ÷ raw_post_cpu_us. */
  cpu_ratio: number;
  body_bytes: number;
}

const DOCUMENT = `subscription { orderEvents { cursor status previousStatus source createdAt order { id merchantOrderNo status amount paidAmount method } } }`;
const ENDPOINT_CREATE = `mutation ($input: WebhookEndpointCreateInput!) { webhookEndpointCreate(input: $input) { endpoint { id } userErrors { message } } }`;
const REPLAY = `mutation ($id: ID!, $after: String!) { webhookReplay(id: $id, after: $after) { userErrors { message } } }`;

const round = (value: number, digits = 0) => Math.round(value * 10 ** digits) / 10 ** digits;

async function receivedCount(url: string): Promise<number> {
  return Number(await (await fetch(`${url}/count`)).text());
}

/** CPU (µs, this process) of one raw signed POST of `body` to the receiver, `concurrency` at a time. */
async function rawPostCpuUs(url: string, body: string, posts: number, concurrency: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const key = webhookSecretKey(generateWebhookSecret());
  const post = (n: number) =>
    new Promise<void>((resolve, reject) => {
      const headers = signWebhook(`msg_raw_${n}`, body, [key]);
      const sent = request(
        `${url}/hook`,
        { method: 'POST', agent, headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (answer) => {
          answer.resume();
          answer.on('end', () => (answer.statusCode === 200 ? resolve() : reject(new Error(`raw POST: HTTP ${answer.statusCode}`))));
        },
      );
      sent.on('error', reject);
      sent.end(body);
    });
  await inLanes(
    Array.from({ length: Math.min(500, posts) }, (_, n) => n),
    concurrency,
    post,
  );
  const before = process.cpuUsage();
  await inLanes(
    Array.from({ length: posts }, (_, n) => n),
    concurrency,
    post,
  );
  const used = process.cpuUsage(before);
  agent.destroy();
  return (used.user + used.system) / posts;
}

export async function runWebhooks(env: BenchEnvironment, options: WebhooksOptions): Promise<WebhooksResult> {
  const { gateway } = env;
  const receiver = await startTsx({
    name: 'webhook receiver',
    script: 'bench/webhook-receiver-process.ts',
    env: {},
    ready: /^BENCH_RECEIVER_READY (\S+)/,
    ipc: true,
  });
  const receiverUrl = receiver.match[1]!;
  try {
    // The last `events` committed events (the scenarios before made them; the caller made sure there are enough).
    const latest = await graphql<{ latestEventCursor: string }>(
      gateway.url,
      gateway.token,
      `
        {
          latestEventCursor
        }
      `,
    );
    const seq = readCursor(latest.latestEventCursor, 90).seq;
    const events = Math.min(options.events, Number(seq));
    const after = encodeEventCursor({ seq: seq - BigInt(events), createdAt: new Date() });
    const ids: string[] = [];
    for (let i = 0; i < options.endpoints; i += 1) {
      const created = await graphql<{ webhookEndpointCreate: { endpoint: { id: string } | null; userErrors: unknown[] } }>(
        gateway.url,
        gateway.token,
        ENDPOINT_CREATE,
        {
          input: { url: `${receiverUrl}/hook/${i}`, query: DOCUMENT, description: 'bench' },
        },
      );
      if (!created.webhookEndpointCreate.endpoint)
        throw new Error(`webhooks: endpoint not created: ${JSON.stringify(created.webhookEndpointCreate.userErrors)}`);
      ids.push(created.webhookEndpointCreate.endpoint.id);
    }
    const deliveries = events * options.endpoints;
    const cpuBefore = processCpuMs(gateway.pid);
    const started = performance.now();
    for (const id of ids) await graphql(gateway.url, gateway.token, REPLAY, { id, after });
    for (;;) {
      const count = await receivedCount(receiverUrl);
      if (count >= deliveries) break;
      if (performance.now() - started > 300_000) throw new Error(`webhooks: ${count} of ${deliveries} deliveries after 300 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    const cpuUs = ((processCpuMs(gateway.pid) - cpuBefore) * 1000) / deliveries;
    for (const id of ids)
      await graphql(
        gateway.url,
        gateway.token,
        `
          mutation ($id: ID!) {
            webhookEndpointDelete(id: $id) {
              userErrors {
                message
              }
            }
          }
        `,
        { id },
      );
    // A body of the size the gateway sent: the floor signs and posts as much.
    const sample = JSON.stringify({
      type: 'order.created',
      timestamp: new Date().toISOString(),
      data: {
        orderEvents: {
          cursor: after,
          status: 'CREATED',
          previousStatus: 'SUBMITTING',
          source: 'API',
          createdAt: new Date().toISOString(),
          order: {
            id: 'T3JkZXI6MDFhMjUxMzgtNjY1Ny03MjY5LWJjMjYtNzdkY2JiNGNjMDY2',
            merchantOrderNo: 'FO-abcdef-12345',
            status: 'CREATED',
            amount: '150000',
            paidAmount: null,
            method: 'BANK_BCA',
          },
        },
      },
    });
    const raw = await rawPostCpuUs(receiverUrl, sample, Math.min(deliveries, 5_000), options.endpoints);
    return {
      per_s: Math.round(deliveries / seconds),
      deliveries,
      seconds: round(seconds, 1),
      endpoints: options.endpoints,
      cpu_us_per_delivery: Math.round(cpuUs),
      raw_post_cpu_us: Math.round(raw),
      cpu_ratio: round(cpuUs / raw, 2),
      body_bytes: Buffer.byteLength(sample),
    };
  } finally {
    await receiver.child.stop();
  }
}

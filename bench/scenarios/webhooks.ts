import { encodeEventCursor, readCursor } from '../../src/orders/event-stream.js';
import { SHARED_BODY_MS } from '../../src/webhooks/webhook-worker.js';
import type { BenchEnvironment } from '../lib/environment.js';
import { graphql } from '../lib/graphql.js';
import { awaitQuiet, IpcPeer, processCpuMs, startTsx } from '../lib/processes.js';
import { sleep } from '../lib/stats.js';

/**
 * Webhook deliveries from one gateway process to a local receiver (a process of its own): a backlog
 * of `events` committed order events replayed to `endpoints` endpoints at once (webhookReplay), each
 * delivered in commit order, rendered from its subscription document, signed and POSTed, and
 * recorded. `per_s`: deliveries answered per second; `cpu_us_per_delivery`: the gateway's CPU (all
 * threads) per delivery. The floor, `raw_post_cpu_us`: a raw signed POST (signWebhook over a body of
 * the same size, then node:http with keep-alive) with the same concurrency, from a warm process of
 * its own (bench/webhook-raw-sender-process.ts). Each measured replay is paired with a round of the
 * floor run right after it; the figures are those of the pair with the median ratio.
 */

export interface WebhooksOptions {
  endpoints: number;
  events: number;
  /** Raw signed POSTs per round of the floor. */
  rawPosts: number;
  /** Replays of the whole backlog before the measured ones. */
  warmupReplays: number;
  /** Replays measured, each paired with a round of the floor. */
  measuredReplays: number;
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
    // A body of the size the gateway sends: the floor signs and posts as much.
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
    const floor = await startTsx({
      name: 'raw webhook sender',
      script: 'bench/webhook-raw-sender-process.ts',
      env: { BENCH_RECEIVER_URL: receiverUrl, BENCH_BODY: sample, BENCH_POSTS: String(options.rawPosts), BENCH_CONCURRENCY: String(options.endpoints) },
      ready: /^BENCH_RAW_SENDER_READY.*/,
      ipc: true,
      timeoutMs: 120_000,
    });
    const floorRounds = new IpcPeer(floor.child.process);
    // Each replay sends the same `deliveries`. The first `warmupReplays` warm the gateway's sender,
    // renderer and SQL up (the floor's process warmed its client before it said ready). Each
    // measured replay is followed by a round of the floor, so that both see the machine as it is
    // then (its other tenants move one run by up to 2×); the median of the pairs' ratios is reported.
    const measured: { seconds: number; cpuUs: number; rawUs: number }[] = [];
    try {
      for (let replay = 0; replay < options.warmupReplays + options.measuredReplays; replay += 1) {
        const target = deliveries * (replay + 1);
        // Past the moment a rendered body (and a batch of events read) is shared for: each replay
        // renders and reads anew, as a first delivery does, rather than reusing the last replay's.
        if (replay > 0) await sleep(SHARED_BODY_MS + 500);
        const cpuBefore = processCpuMs(gateway.pid);
        const started = performance.now();
        for (const id of ids) await graphql(gateway.url, gateway.token, REPLAY, { id, after });
        for (;;) {
          const count = await receivedCount(receiverUrl);
          if (count >= target) break;
          if (performance.now() - started > 300_000) throw new Error(`webhooks: ${count - target + deliveries} of ${deliveries} deliveries after 300 s`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        const seconds = (performance.now() - started) / 1000;
        // Recording the last deliveries counts too, and the floor's round runs on an idle gateway.
        await awaitQuiet(gateway.pid);
        const cpuUs = ((processCpuMs(gateway.pid) - cpuBefore) * 1000) / deliveries;
        if (replay >= options.warmupReplays) measured.push({ seconds, cpuUs, rawUs: await floorRounds.call<number>('round') });
      }
    } finally {
      await floor.child.stop();
    }
    // The pair itself, not an interpolated ratio: its CPU figures and its rate are reported with it.
    const byRatio = [...measured].sort((a, b) => a.cpuUs / a.rawUs - b.cpuUs / b.rawUs);
    const { seconds, cpuUs, rawUs } = byRatio[Math.floor(byRatio.length / 2)]!;
    if (process.env.BENCH_DEBUG)
      console.error(
        `webhooks: ${floor.match[0]}; pairs (gateway/raw µs): ${measured.map((pair) => `${pair.cpuUs.toFixed(0)}/${pair.rawUs.toFixed(0)}`).join(', ')}`,
      );
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
    return {
      per_s: Math.round(deliveries / seconds),
      deliveries,
      seconds: round(seconds, 1),
      endpoints: options.endpoints,
      cpu_us_per_delivery: Math.round(cpuUs),
      raw_post_cpu_us: Math.round(rawUs),
      cpu_ratio: round(cpuUs / rawUs, 2),
      body_bytes: Buffer.byteLength(sample),
    };
  } finally {
    await receiver.child.stop();
  }
}

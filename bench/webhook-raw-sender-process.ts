import { Agent, request } from 'node:http';
import { generateWebhookSecret, signWebhook, webhookSecretKey } from '../src/webhooks/webhook-signing.js';
import { inLanes } from './lib/stats.js';

/**
 * The webhooks scenario's floor, in a process of its own as the gateway is: raw signed POSTs
 * (signWebhook, then node:http with keep-alive) of BENCH_BODY to BENCH_RECEIVER_URL/raw, BENCH_CONCURRENCY
 * at a time, in rounds of BENCH_POSTS. Before it says `BENCH_RAW_SENDER_READY`, it warms up: the first
 * rounds of a cold process cost 2–4× a warm one, so rounds run until one costs what the one before
 * did (within 10 %, at most 12). Then each IPC `round` runs one more and answers its CPU per POST (µs,
 * all threads), so that the scenario can measure it between the gateway's replays.
 */
const url = process.env.BENCH_RECEIVER_URL!;
const body = process.env.BENCH_BODY!;
const posts = Number(process.env.BENCH_POSTS);
const concurrency = Number(process.env.BENCH_CONCURRENCY);

const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const key = webhookSecretKey(generateWebhookSecret());
const contentLength = Buffer.byteLength(body);

const post = (n: number) =>
  new Promise<void>((resolve, reject) => {
    const headers = signWebhook(`msg_raw_${n}`, body, [key]);
    const sent = request(
      `${url}/raw`,
      { method: 'POST', agent, headers: { ...headers, 'content-type': 'application/json', 'content-length': contentLength } },
      (answer) => {
        answer.resume();
        answer.on('end', () => (answer.statusCode === 200 ? resolve() : reject(new Error(`raw POST: HTTP ${answer.statusCode}`))));
      },
    );
    sent.on('error', reject);
    sent.end(body);
  });

async function cpuPerPost(): Promise<number> {
  const before = process.cpuUsage();
  await inLanes(
    Array.from({ length: posts }, (_, n) => n),
    concurrency,
    post,
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / posts;
}

const warmup = [await cpuPerPost()];
for (let round = 0; round < 12; round += 1) {
  const next = await cpuPerPost();
  const settled = Math.abs(next - warmup.at(-1)!) <= 0.1 * warmup.at(-1)!;
  warmup.push(next);
  if (settled) break;
}
process.on('message', (message: { id: number; command: string }) => {
  if (message.command !== 'round') return;
  cpuPerPost().then(
    (result) => process.send!({ id: message.id, result }),
    (error: Error) => process.send!({ id: message.id, error: error.message }),
  );
});
process.once('disconnect', () => {
  agent.destroy();
  process.exit(0);
});
console.log(`BENCH_RAW_SENDER_READY (warm-up rounds: ${warmup.map((round) => round.toFixed(0)).join(', ')} µs)`);

import { startEnvironment } from './lib/environment.js';
import { createCollection, type CreatedOrder } from './lib/graphql.js';
import { inLanes } from './lib/stats.js';
import { runLiveStatus } from './scenarios/live-status.js';
const env = await startEnvironment({ poolMax: 10 });
try {
  const rate = Number(process.env.RATE ?? 200), warm = 1, dur = Number(process.env.DUR ?? 3), subs = Number(process.env.SUBS ?? 1000);
  const n = 3 + rate * (warm + dur);
  const orders: CreatedOrder[] = [];
  const t0 = Date.now();
  await inLanes(Array.from({ length: n }, (_, i) => i), 16, async (i) => void orders.push(await createCollection(env.gateway.url, env.gateway.token, `LS-${t0}-${i}`)));
  console.log('created', orders.length, 'in', Date.now() - t0, 'ms');
  const r = await runLiveStatus(env, { subscribers: subs, ratePerS: rate, warmupS: warm, durationS: dur, workers: Number(process.env.WORKERS ?? 1), orders, skipGateway: !!process.env.FLOOR, skipFloor: !!process.env.NOFLOOR, onGatewayPhase: async (p) => { if (process.env.PROF) await env.gateway.ipc.call(p === 'start' ? 'profile:start' : 'profile:stop', { path: process.env.PROF }); } });
  console.log(r);
} finally {
  await env.close();
}

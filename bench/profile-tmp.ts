import { startEnvironment } from './lib/environment.js';
import { createCollection } from './lib/graphql.js';
import { inLanes } from './lib/stats.js';

const env = await startEnvironment({ poolMax: 10 });
const n = Number(process.argv[2] ?? 1500);
const run = async (count: number, tag: string) => {
  const before = (await env.gateway.ipc.call('cpu')) as { user: number; system: number };
  const t0 = performance.now();
  await inLanes(Array.from({ length: count }, (_, i) => i), 16, async (i) => { await createCollection(env.gateway.url, env.gateway.token, `PROF-${tag}-${Date.now()}-${i}`); });
  const secs = (performance.now() - t0) / 1000;
  const after = (await env.gateway.ipc.call('cpu')) as { user: number; system: number };
  const cpuMs = (after.user - before.user + after.system - before.system) / 1000;
  return { perS: +(count / secs).toFixed(1), cpuMsPerCreate: +(cpuMs / count).toFixed(2) };
};
await run(300, 'warm');
if (process.argv[3]) await env.gateway.ipc.call('profile:start');
const result = await run(n, 'run');
if (process.argv[3]) await env.gateway.ipc.call('profile:stop', { path: process.argv[3] });
console.log('RESULT', JSON.stringify(result));
await env.close();

import { startEnvironment } from './lib/environment.js';
import { createCollection } from './lib/graphql.js';
import { closedLoop } from './lib/stats.js';
const env = await startEnvironment({ poolMax: 10 });
try {
  let n = 0;
  const run = (ms: number) => closedLoop({ concurrency: 16, durationMs: ms, request: async () => void (await createCollection(env.gateway.url, env.gateway.token, `X-${Date.now()}-${++n}`)) });
  await run(2000);
  const before = await env.gateway.ipc.call<{ user: number; system: number }>('cpu');
  if (process.env.PROF) await env.gateway.ipc.call("profile:start");
  const r = await run(Number(process.env.MS ?? 5000));
  if (process.env.PROF) await env.gateway.ipc.call("profile:stop", { path: process.env.PROF });
  const after = await env.gateway.ipc.call<{ user: number; system: number }>('cpu');
  const cpuMs = (after.user - before.user + after.system - before.system) / 1000;
  console.log({ n: r.latenciesMs.length, perS: r.perSecond, cpuMsPerReq: cpuMs / r.latenciesMs.length, fails: r.failures, first: r.firstFailure });
} finally {
  await env.close();
}

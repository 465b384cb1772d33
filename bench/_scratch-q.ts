import { startEnvironment } from './lib/environment.js';
import { createCollection } from './lib/graphql.js';
const env = await startEnvironment({ poolMax: 10 });
try {
  await createCollection(env.gateway.url, env.gateway.token, `W-${Date.now()}`);
  await env.gateway.ipc.call('queries:start');
  await createCollection(env.gateway.url, env.gateway.token, `X-${Date.now()}`);
  const q = await env.gateway.ipc.call<{ count: number; statements: string[] }>('queries:stop');
  console.log(q.count); for (const s of q.statements) console.log('  ', s.slice(0, 160));
} finally {
  await env.close();
}

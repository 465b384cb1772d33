import { startEnvironment } from './lib/environment.js';
import { createCollection, type CreatedOrder } from './lib/graphql.js';
import { compactSortedJson } from '../src/tarspay/message.js';
const env = await startEnvironment({ poolMax: 10 });
const cpu = async () => { const c = await env.gateway.ipc.call<{ user: number; system: number }>('cpu'); console.log('   user', c.user/1000, 'sys', c.system/1000); return (c.user + c.system) / 1000; };
try {
  let a = await cpu(); await new Promise((r) => setTimeout(r, 3000)); console.log('idle cpu ms/s', (await cpu() - a) / 3);
  const orders: CreatedOrder[] = [];
  for (let i = 0; i < Number(process.env.WARM ?? 60); i++) orders.push(await createCollection(env.gateway.url, env.gateway.token, `CPU-${Date.now()}-${i}`));
  a = await cpu(); let t = performance.now();
  for (let i = 0; i < 50; i++) await createCollection(env.gateway.url, env.gateway.token, `CPU2-${Date.now()}-${i}`);
  console.log('sequential create: cpu ms/req', (await cpu() - a) / 50, 'wall ms/req', (performance.now() - t) / 50);
  if (process.env.PROF) await env.gateway.ipc.call('profile:start');
  for (const order of orders.slice(50, orders.length)) {
    const body = compactSortedJson({ bizType: 1, currency: 'IDR', fee: '4500', mchNo: env.gateway.mchNo, mchOrderNo: order.merchantOrderNo, orderAmount: order.amount, payAmount: order.amount, payOrderId: order.platformOrderId, state: 2 });
    const r = await fetch(`${env.gateway.url}/tarspay/notify`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-resp-signature': env.sandbox.platformKey.sign(body) }, body });
    if ((await r.text()) !== 'OK') throw new Error('not ok');
  }
  a = await cpu(); t = performance.now();
  for (const order of orders.slice(0, Number(process.env.N ?? 50))) {
    const body = compactSortedJson({ bizType: 1, currency: 'IDR', fee: '4500', mchNo: env.gateway.mchNo, mchOrderNo: order.merchantOrderNo, orderAmount: order.amount, payAmount: order.amount, payOrderId: order.platformOrderId, state: 2 });
    const r = await fetch(`${env.gateway.url}/tarspay/notify`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-resp-signature': env.sandbox.platformKey.sign(body) }, body });
    if ((await r.text()) !== 'OK') throw new Error('not ok');
  }
  console.log("sequential callbacks: cpu ms/req", (await cpu() - a) / Number(process.env.N ?? 50), 'wall ms/req', (performance.now() - t) / 50);
  if (process.env.PROF) await env.gateway.ipc.call('profile:stop', { path: process.env.PROF });
  const { readdirSync, readFileSync } = await import('node:fs');
  for (const tid of readdirSync(`/proc/${env.gateway.pid}/task`)) {
    const stat = readFileSync(`/proc/${env.gateway.pid}/task/${tid}/stat`, 'utf8');
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    console.log('threads', tid, comm, 'utime', Number(f[11]) * 10, 'ms stime', Number(f[12]) * 10, 'ms');
  }
} finally {
  await env.close();
}

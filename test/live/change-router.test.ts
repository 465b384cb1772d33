import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { createLivePubSub, type LivePubSub } from '../../src/live/pubsub.js';
import type { OrderChangeMessage } from '../../src/orders/change-message.js';
import { waitFor } from '../helpers/wait.js';

/** The routing of committed changes to subscribers, in process and across two instances through Redis. */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = createLogger({ level: 'silent' });

function change(merchantId: string, orderId: string, status = 'SUCCEEDED'): OrderChangeMessage {
  const at = new Date('2026-12-02T08:00:00.000Z');
  return {
    merchantId,
    order: { id: orderId, status, updatedAt: at, createdAt: at, expiresAt: null, attentionSince: null } as unknown as OrderChangeMessage['order'],
    event: {
      id: '1',
      seq: '1',
      status,
      previousStatus: 'CREATED',
      source: 'CALLBACK',
      applied: true,
      note: null,
      createdAt: at,
    } as OrderChangeMessage['event'],
  };
}

const within = <T>(promise: Promise<T>, ms = 2000) => Promise.race([promise, new Promise<'nothing'>((resolve) => setTimeout(() => resolve('nothing'), ms))]);

describe.each([
  ['in process', () => [createLivePubSub({ logger })]],
  ['two instances through Redis', () => [createLivePubSub({ logger, redisUrl: REDIS_URL }), createLivePubSub({ logger, redisUrl: REDIS_URL })]],
])('change routing, %s', (_name, create) => {
  let instances: LivePubSub[];
  beforeAll(async () => {
    instances = await Promise.all(create());
    for (const instance of instances) {
      if ((await instance.redisHealth(2000)) === 'not configured') continue;
      // The subscriber connection must be listening before the first publish.
      await waitFor(async () => ((await instance.redisHealth(500)) === 'ok' ? true : undefined));
    }
  });
  afterAll(() => Promise.all(instances.map((instance) => instance.close())));

  it("gives an order's subscribers that order's changes only, and a merchant's subscribers every change of its orders, with dates as dates", async () => {
    const receiver = instances.at(-1)!;
    const orderA = receiver.orderChanges('order-a');
    const merchant = receiver.merchantChanges('merchant-1');
    const otherMerchant = receiver.merchantChanges('merchant-2');
    await new Promise((resolve) => setTimeout(resolve, 50));
    instances[0]!.publishChange(change('merchant-1', 'order-b'));
    instances[0]!.publishChange(change('merchant-1', 'order-a'));
    const first = await within(merchant.next());
    expect(first).toMatchObject({ done: false, value: { order: { id: 'order-b' } } });
    expect((await within(merchant.next())) as IteratorResult<OrderChangeMessage>).toMatchObject({ value: { order: { id: 'order-a' } } });
    const onlyA = (await within(orderA.next())) as IteratorResult<OrderChangeMessage>;
    expect(onlyA.value).toMatchObject({ order: { id: 'order-a' } });
    expect(onlyA.value!.order.updatedAt).toBeInstanceOf(Date);
    expect(onlyA.value!.event.createdAt).toBeInstanceOf(Date);
    expect(await within(otherMerchant.next(), 300)).toBe('nothing');
    expect(receiver.listeners()).toBe(3);
    await Promise.all([orderA.return(), merchant.return(), otherMerchant.return()]);
  });

  it('a subscriber that left gets nothing more, and its reader is told it is done', async () => {
    const receiver = instances.at(-1)!;
    const leaving = receiver.orderChanges('order-c');
    const staying = receiver.orderChanges('order-c');
    const waiting = leaving.next();
    await leaving.return();
    expect(await waiting).toEqual({ value: undefined, done: true });
    instances[0]!.publishChange(change('merchant-1', 'order-c'));
    expect(await within(staying.next())).toMatchObject({ done: false, value: { order: { id: 'order-c' } } });
    expect(await leaving.next()).toEqual({ value: undefined, done: true });
    await staying.return();
    expect(receiver.listeners()).toBe(0);
  });
});

describe('change routing when Redis comes up after the gateway', () => {
  it('subscribes once Redis answers, and nothing is left unhandled meanwhile', async () => {
    const { spawn } = await import('node:child_process');
    const { createServer } = await import('node:net');
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const url = `redis://127.0.0.1:${port}`;
    const early = await createLivePubSub({ logger, redisUrl: url });
    const listening = early.orderChanges('order-late');
    early.publishChange(change('merchant-1', 'order-lost')); // no Redis yet: logged, not thrown
    await new Promise((resolve) => setTimeout(resolve, 1500)); // past ioredis' retries per request
    const redis = spawn('redis-server', ['--port', String(port), '--save', '', '--bind', '127.0.0.1'], { stdio: 'ignore' });
    const late = await createLivePubSub({ logger, redisUrl: url });
    try {
      await waitFor(async () => ((await early.redisHealth(500)) === 'ok' && (await late.redisHealth(500)) === 'ok' ? true : undefined), 15_000);
      await waitFor(async () => {
        late.publishChange(change('merchant-1', 'order-late'));
        const next = await within(listening.next(), 300);
        return next === 'nothing' ? undefined : next;
      }, 10_000);
    } finally {
      await listening.return();
      await Promise.all([early.close(), late.close()]);
      redis.kill();
    }
  }, 40_000);
});

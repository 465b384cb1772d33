import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { closedPort, waitFor } from './wait.js';

/** A redis-server of the test's own, on a free loopback port, without persistence: it can be stopped (SIGSTOP) and killed. */
export interface RedisServer {
  url: string;
  /** SIGSTOP: the server keeps its connections open and answers nothing, as a hung Redis does. */
  hang(): void;
  /** SIGCONT: it answers again, queued commands first. */
  resume(): void;
  close(): Promise<void>;
}

export async function startRedisServer(binary = '/usr/bin/redis-server'): Promise<RedisServer> {
  const port = await closedPort();
  const child: ChildProcess = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const url = `redis://127.0.0.1:${port}`;
  const close = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await exited;
  };
  try {
    await waitFor(async () => {
      const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => {});
      try {
        await client.connect();
        return (await client.ping()) === 'PONG' ? true : undefined;
      } finally {
        client.disconnect();
      }
    });
  } catch (error) {
    await close();
    throw error;
  }
  return { url, hang: () => child.kill('SIGSTOP'), resume: () => child.kill('SIGCONT'), close };
}

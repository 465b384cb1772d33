import { spawn, type ChildProcess } from 'node:child_process';

export interface SpawnedGateway {
  child: ChildProcess;
  url: string;
  output: string[];
}

/** The gateway as users run it (`npm start`'s entry point), in its own process; `env` on top of this process's. */
export async function spawnGateway(env: Record<string, string>): Promise<SpawnedGateway> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stderr.on('data', (chunk) => output.push(String(chunk)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output.push(String(chunk));
      const match = /gateway on (http:\/\/localhost:\d+)/.exec(output.join(''));
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}: ${output.join('')}`)));
  });
  return { child, url, output };
}

import { Worker } from 'node:worker_threads';

/** Worker threads running a .ts module of the bench, and one-question-one-answer messaging with them. */

/** Node 20 workers do not inherit tsx's loader: the worker registers it, then imports the .ts file. */
export function startTsWorker(moduleUrl: URL): Worker {
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(moduleUrl.href)}); })`;
  return new Worker(bootstrap, { eval: true });
}

/** Posts `command` and resolves with the worker's next message (each worker answers one command at a time). */
export function ask<T>(worker: Worker, command: Record<string, unknown>, transfer?: ArrayBuffer[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: T) => {
      worker.off('error', onError);
      resolve(message);
    };
    const onError = (error: Error) => {
      worker.off('message', onMessage);
      reject(error);
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
    worker.postMessage(command, transfer);
  });
}

/** How many of `total` items worker `index` of `workers` takes: as even as it gets. */
export function shareOf(total: number, workers: number, index: number): number {
  return Math.floor(total / workers) + (index < total % workers ? 1 : 0);
}

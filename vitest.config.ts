import { defineConfig } from 'vitest/config';

export default defineConfig({
  // graphql 16 has no exports map: without this alias vitest can load two copies and
  // `instanceof GraphQLError` fails, which makes Yoga mask every error in tests only.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Three files at a time on 2 cores (vitest's default would be one): most of a file's time is
    // spent waiting (spawned processes, timers, sockets), and each file has its own database and ports.
    maxWorkers: 3,
    // Files share their worker's modules (each file still has its own database, gateway and ports):
    // loading graphql, Yoga, MikroORM… once per worker instead of once per file saves minutes of CPU.
    isolate: false,
  },
});

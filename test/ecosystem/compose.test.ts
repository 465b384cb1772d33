import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseEnvironment } from '../../src/config.js';
import { productionProblems } from '../../src/start/production-guard.js';
import { sandboxOptionsFromEnv } from '../../src/sandbox/config.js';
import { PrivateKey } from '../../src/tarspay/signer.js';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[]; interval?: string; retries?: number };
  ports?: string[];
}

// No Docker engine runs here: the file's structure is what can be checked, with the values
// compose would use when nothing is overridden (`${NAME:-default}` → default), and SHELL for the
// variables compose requires (`${NAME:?message}`).
const SHELL: Record<string, string> = { KEY_ENCRYPTION_KEY: 'ab'.repeat(32) };
const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const services = compose.services;
const withDefaults = (environment: Record<string, string> = {}): Record<string, string> =>
  Object.fromEntries(
    Object.entries(environment).map(([key, value]) => [
      key,
      String(value)
        .replace(/\$\{\w+:-([^}]*)\}/g, '$1')
        .replace(/\$\{(\w+):\?[^}]*\}/g, (_match, name: string) => SHELL[name] ?? ''),
    ]),
  );
const GATEWAYS = ['gateway-1', 'gateway-2'];

describe('docker-compose.yml', () => {
  it('has PostgreSQL, Redis, the sandbox and two gateway instances, each healthchecked', () => {
    expect(Object.keys(services).sort()).toEqual(['gateway-1', 'gateway-2', 'postgres', 'redis', 'sandbox']);
    expect(services.postgres!.image).toMatch(/^postgres:\d+/);
    expect(services.redis!.image).toMatch(/^redis:\d+/);
    for (const name of ['sandbox', ...GATEWAYS]) expect(services[name]!.build, `${name} is built from the Dockerfile`).toBe('.');
    // The image holds the compiled build only (no tsx): the sandbox is src/sandbox/main.ts, compiled.
    expect(services.sandbox!.command).toEqual(['node', 'dist/src/sandbox/main.js']);
    expect(existsSync('src/sandbox/main.ts')).toBe(true);
    for (const [name, service] of Object.entries(services)) {
      expect(service.healthcheck?.test, `${name} has a healthcheck`).toBeDefined();
    }
    expect(services.postgres!.healthcheck!.test.join(' ')).toContain('pg_isready');
    expect(services.redis!.healthcheck!.test.join(' ')).toContain('ping');
    expect(services.sandbox!.healthcheck!.test.join(' ')).toContain('/sandbox/health');
    for (const name of GATEWAYS) expect(services[name]!.healthcheck!.test.join(' ')).toContain('/readyz');
  });

  it('runs the gateways on distinct host ports, after their dependencies are healthy', () => {
    const hostPorts = Object.values(services).flatMap((service) => (service.ports ?? []).map((mapping) => mapping.split(':')[0]));
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
    expect(services['gateway-1']!.ports).toEqual(['4000:4000']);
    expect(services['gateway-2']!.ports).toEqual(['4001:4000']);
    for (const name of GATEWAYS) {
      const dependsOn = services[name]!.depends_on!;
      for (const dependency of ['postgres', 'redis', 'sandbox']) expect(dependsOn[dependency]).toEqual({ condition: 'service_healthy' });
    }
    // The second instance waits for the first, so the migrations never run twice at once.
    expect(services['gateway-2']!.depends_on!['gateway-1']).toEqual({ condition: 'service_healthy' });
  });

  it('gives both gateways one database, one Redis, the sandbox as TarsPay and their own PUBLIC_URL, all valid configuration', () => {
    const [first, second] = GATEWAYS.map((name) => withDefaults(services[name]!.environment));
    for (const environment of [first!, second!]) {
      expect(environment.DATABASE_URL).toBe('postgres://tarspay:tarspay@postgres:5432/tarspay');
      expect(environment.REDIS_URL).toBe('redis://redis:6379');
      expect(environment.TARSPAY_BASE_URL).toBe('http://sandbox:4100');
      const config = parseEnvironment(environment);
      // A staging stack against the sandbox passes the production guard: TARSPAY_SANDBOX=true allows its plain http.
      expect(productionProblems(config)).toEqual([]);
      // Every variable set is one the gateway reads (a misspelt name would be dropped silently).
      for (const key of Object.keys(environment)) expect(config, `${key} is not a gateway variable`).toHaveProperty(key);
    }
    expect(first!.PUBLIC_URL).toBe('http://gateway-1:4000');
    expect(second!.PUBLIC_URL).toBe('http://gateway-2:4000');
    expect({ ...first, PUBLIC_URL: '' }).toEqual({ ...second, PUBLIC_URL: '' });
  });

  it('commits no key-encryption key: compose stops unless KEY_ENCRYPTION_KEY is set, and says how to make one', () => {
    const text = readFileSync('docker-compose.yml', 'utf8');
    for (const name of GATEWAYS) {
      expect(services[name]!.environment!.KEY_ENCRYPTION_KEY).toBe(
        '${KEY_ENCRYPTION_KEY:?set KEY_ENCRYPTION_KEY to 64 hex characters, e.g. openssl rand -hex 32}',
      );
      expect(services[name]!.environment).not.toHaveProperty('KEY_ENCRYPTION_KEY_PREVIOUS');
    }
    // No usable key anywhere in the file, as a default or otherwise: the only 64-hex values are the sandbox's public development keys.
    const hexKeys = text.match(/\b[0-9a-fA-F]{64}\b/g) ?? [];
    const gateway = withDefaults(services['gateway-1']!.environment);
    const sandbox = withDefaults(services.sandbox!.environment);
    expect(new Set(hexKeys)).toEqual(new Set([gateway.TARSPAY_PRIVATE_KEY, sandbox.SANDBOX_PLATFORM_PRIVATE_KEY]));
    expect(text).not.toMatch(/KEY_ENCRYPTION_KEY:-/);
  });

  it("pairs the gateway and the sandbox: each knows the public half of the other one's key", () => {
    const gateway = withDefaults(services['gateway-1']!.environment);
    const sandbox = sandboxOptionsFromEnv(withDefaults(services.sandbox!.environment));
    expect(sandbox.host).toBe('0.0.0.0');
    expect(sandbox.port).toBe(4100);
    expect(sandbox.merchants).toEqual([{ mchNo: gateway.TARSPAY_MERCHANT_NO, publicKey: PrivateKey.fromHex(gateway.TARSPAY_PRIVATE_KEY!).publicKeyHex }]);
    expect(PrivateKey.fromHex(String(sandbox.platformPrivateKey)).publicKeyHex).toBe(gateway.TARSPAY_PLATFORM_PUBLIC_KEY);
  });

  it('has a Dockerfile that builds in one stage and runs the compiled build with node, production dependencies only, as a non-root user', () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    const stages = dockerfile.split(/^(?=FROM )/m).filter((stage) => stage.startsWith('FROM '));
    expect(stages).toHaveLength(2);
    const [build, runtime] = stages as [string, string];
    expect(build).toMatch(/^FROM node:22-slim AS build$/m);
    expect(build).toMatch(/^RUN npm ci\b/m);
    expect(build).toMatch(/^RUN npm run build$/m);
    expect(runtime).toMatch(/^FROM node:22-slim$/m);
    expect(runtime).toMatch(/^ENV NODE_ENV=production$/m);
    expect(runtime).toMatch(/^RUN npm ci --omit=dev\b/m);
    expect(runtime).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^CMD \["node", "dist\/main\.js"\]$/m);
    expect(runtime).not.toMatch(/tsx|npm start|npm run/);
    // What the image runs is what `npm run start:prod` runs, and needs nothing the image leaves out.
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string>; dependencies: Record<string, string> };
    expect(manifest.scripts['start:prod']).toBe('node dist/main.js');
    expect(manifest.dependencies).not.toHaveProperty('tsx');
    expect(readFileSync('.dockerignore', 'utf8')).toMatch(/^node_modules$/m);
    expect(readFileSync('.dockerignore', 'utf8')).toMatch(/^dist$/m);
  });
});

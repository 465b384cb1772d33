import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, GATEWAY_VARIABLES, parseEnvironment } from '../src/config.js';
import { configErrorMessage } from './helpers/config.js';

describe('abuse limits configuration', () => {
  it('has the defaults docs/CONFIGURATION.md lists', () => {
    expect(parseEnvironment({})).toMatchObject({
      rateLimits: { perToken: { burst: 300, perSecond: 50 }, perMerchant: { burst: 1000, perSecond: 150 } },
      graphql: { inputLimits: { maxListItems: 50, maxVariableValues: 1000 } },
      websocket: { maxConnectionsPerToken: 100, maxSubscriptionsPerConnection: 25, tokenRecheckMs: 4000 },
    });
  });

  it('refuses the renamed rate-limit variables, naming their new names', () => {
    expect(() => parseEnvironment({ RATE_LIMIT_MUTATIONS_PER_SECOND: '10' })).toThrow(ConfigError);
    expect(() => parseEnvironment({ RATE_LIMIT_MUTATION_BURST: '10' })).toThrow(/RATE_LIMIT_MUTATION_BURST is now RATE_LIMIT_TOKEN_BURST/);
  });

  it('keeps the token re-check within the 5 s docs/GUARANTEES.md promises', () => {
    expect(() => parseEnvironment({ WS_TOKEN_RECHECK_MS: '6000' })).toThrow(/WS_TOKEN_RECHECK_MS/);
  });
});

describe('the configuration models', () => {
  it('read every variable docs/CONFIGURATION.md documents, each by its name', () => {
    const documented = readFileSync('docs/CONFIGURATION.md', 'utf8');
    expect(GATEWAY_VARIABLES.length).toBeGreaterThan(60);
    expect(new Set(GATEWAY_VARIABLES).size, 'a variable read by two models').toBe(GATEWAY_VARIABLES.length);
    expect(GATEWAY_VARIABLES.filter((name) => !documented.includes(`\`${name}`))).toEqual([]);
  });

  it('report every bad variable of every concern at once', () => {
    const message = configErrorMessage(() => parseEnvironment({ PORT: 'x', TARSPAY_TIMEOUT_MS: '-1', WS_KEEPALIVE_MS: 'soon' }));
    expect(message).toMatch(/^invalid configuration:/);
    for (const name of ['PORT', 'TARSPAY_TIMEOUT_MS', 'WS_KEEPALIVE_MS']) expect(message).toMatch(new RegExp(`\\n  ${name}: `));
  });
});

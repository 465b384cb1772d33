import { describe, expect, it } from 'vitest';
import { ConfigError, parseEnvironment } from '../src/config.js';

describe('abuse limits configuration', () => {
  it('has the defaults docs/CONFIGURATION.md lists', () => {
    expect(parseEnvironment({})).toMatchObject({
      RATE_LIMIT_TOKEN_BURST: 300,
      RATE_LIMIT_TOKEN_PER_SECOND: 50,
      RATE_LIMIT_MERCHANT_BURST: 1000,
      RATE_LIMIT_MERCHANT_PER_SECOND: 150,
      GRAPHQL_MAX_LIST_ITEMS: 50,
      GRAPHQL_MAX_VARIABLE_VALUES: 1000,
      WS_MAX_CONNECTIONS_PER_TOKEN: 100,
      WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: 25,
      WS_TOKEN_RECHECK_MS: 4000,
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

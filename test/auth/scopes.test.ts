import { describe, expect, it } from 'vitest';
import { parseScopes, ScopeError, SCOPES } from '../../src/auth/scopes.js';

describe('parseScopes', () => {
  it('reads a comma list, trimming and dropping duplicates', () => {
    expect(parseScopes('orders:read')).toEqual(['orders:read']);
    expect(parseScopes(' collections:write , orders:read,orders:read,')).toEqual(['collections:write', 'orders:read']);
    expect(parseScopes(SCOPES.join(','))).toEqual([...SCOPES]);
  });

  it('names every unknown scope and lists the known ones', () => {
    expect(() => parseScopes('orders:read,orders:write')).toThrow(ScopeError);
    expect(() => parseScopes('orders:read,orders:write')).toThrow(
      /unknown scope "orders:write": known scopes are collections:write, payouts:write, orders:read, balance:read/,
    );
    expect(() => parseScopes('a,b')).toThrow(/unknown scopes "a", "b"/);
    expect(() => parseScopes('ORDERS:READ')).toThrow(/"ORDERS:READ"/);
  });

  it('refuses an empty list', () => {
    expect(() => parseScopes('')).toThrow(/no scopes given/);
    expect(() => parseScopes(' , ')).toThrow(/no scopes given/);
  });
});

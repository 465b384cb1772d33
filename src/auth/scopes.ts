/** What an API token may do (docs/OPERATIONS.md: the scope table). */
export const SCOPES = ['collections:write', 'payouts:write', 'orders:read', 'balance:read', 'webhooks:write'] as const;
export type Scope = (typeof SCOPES)[number];

export class ScopeError extends Error {
  override name = 'ScopeError';
}

/** The caller may not do this without `scope` (the message says what was refused). */
export class MissingScopeError extends Error {
  override name = 'MissingScopeError';
  constructor(
    readonly scope: Scope,
    message: string,
  ) {
    super(message);
  }
}

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** `"orders:read, balance:read"` → `['orders:read', 'balance:read']`; order kept, duplicates dropped. */
export function parseScopes(text: string): Scope[] {
  const parts = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  if (parts.length === 0) {
    throw new ScopeError(`no scopes given: pass a comma-separated list of ${SCOPES.join(', ')}`);
  }
  const unknown = parts.filter((part) => !isScope(part));
  if (unknown.length > 0) {
    const names = unknown.map((part) => `"${part}"`).join(', ');
    throw new ScopeError(`unknown scope${unknown.length > 1 ? 's' : ''} ${names}: known scopes are ${SCOPES.join(', ')}`);
  }
  return [...new Set(parts as Scope[])];
}

/**
 * When a graphql-ws client of the gateway reconnects: the lines of the README's "Use it from your
 * app" snippet (test/ecosystem/ws-retry.test.ts checks the README holds them and runs them against
 * a real gateway). graphql-ws reconnects after a close with 4403 by default; the gateway sends 4403
 * for a missing, unknown, revoked or expired token, which no reconnection will fix.
 */
export const isCloseEvent = (event: unknown): event is { code: number; reason: string } =>
  typeof event === 'object' && event !== null && 'code' in event && 'reason' in event;

/** graphql-ws's `shouldRetry`: close events are retried (as by default), but not 4403; anything else is fatal (as by default). */
export const shouldRetry = (event: unknown) => isCloseEvent(event) && event.code !== 4403;

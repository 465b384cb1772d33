import type { ServerResponse } from 'node:http';
import type { Plugin } from 'graphql-yoga';

/** On every answer of the gateway: no MIME sniffing, no framing (clickjacking), no referrer leaving. */
export const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
} as const;

/**
 * GraphiQL's page loads its code, styles and Monaco's workers from this gateway (/graphiql/): no
 * inline script. Monaco and GraphiQL add style elements and data: icons as they run, and talk to
 * this origin only (HTTP and WebSocket).
 */
export const GRAPHIQL_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Sets the headers before a route answers; a route may replace them (the demo page has a stricter CSP). */
export function setSecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
}

/**
 * Yoga's HTML answer (GraphiQL) gets the policy GraphiQL can run under. The page itself is asked
 * again each time (it names the current files); the files it names are kept by the browser.
 */
export function useGraphiQLContentSecurityPolicy<Context extends object>(): Plugin<Context> {
  return {
    onResponse({ response }) {
      if (response.headers.get('content-type')?.startsWith('text/html')) {
        response.headers.set('content-security-policy', GRAPHIQL_CONTENT_SECURITY_POLICY);
        response.headers.set('cache-control', 'no-cache');
      }
    },
  };
}

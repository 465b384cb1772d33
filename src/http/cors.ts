import type { YogaServerOptions } from 'graphql-yoga';

type CorsOption = NonNullable<YogaServerOptions<object, object>['cors']>;

/**
 * Which browser origins may call /graphql from another site. Tokens travel in the Authorization
 * header, never in cookies, so no answer allows credentials. `CORS_ORIGINS` is the allowlist
 * wherever it is set; without it any origin in development, none in production.
 */
export function corsPolicy(options: { origins?: readonly string[]; production: boolean }): CorsOption {
  const allowed = options.origins ? new Set(options.origins) : null;
  const anyOrigin = !allowed && !options.production;
  return (request: Request) => {
    const origin = request.headers.get('origin');
    if (!origin || !(anyOrigin || allowed?.has(origin))) return false;
    return { origin: [origin], methods: ['GET', 'POST'], credentials: false, exposedHeaders: ['x-request-id'], maxAge: 600 };
  };
}

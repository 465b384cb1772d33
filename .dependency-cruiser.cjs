/**
 * The layering rules of src/ (docs/ARCHITECTURE.md), checked by `npm run lint:layers` in `npm test`.
 * Leaf helpers (src/lib) import nothing of ours and may be used by anyone.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle means two modules are one: merge them or move what both need into a third.',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { pathNot: '^src/schema/' } },
    },
    {
      name: 'tarspay-is-a-leaf',
      severity: 'error',
      comment: "src/tarspay speaks TarsPay's wire protocol and nothing else: it knows no entity, no ORM, no GraphQL.",
      from: { path: '^src/tarspay/' },
      to: { path: '^src/', pathNot: '^src/(tarspay|lib)/' },
    },
    {
      name: 'tarspay-knows-no-orm',
      severity: 'error',
      from: { path: '^src/tarspay/' },
      to: { path: '(^|/)node_modules/(@mikro-orm|graphql|graphql-yoga|@pothos)/' },
    },
    {
      name: 'sandbox-imports-only-tarspay',
      severity: 'error',
      comment: 'The sandbox stands in for TarsPay: it shares the wire rules (src/tarspay) and nothing of the gateway.',
      from: { path: '^src/sandbox/' },
      to: { path: '^src/', pathNot: '^src/(sandbox|tarspay|lib)/' },
    },
    {
      name: 'domain-speaks-no-graphql',
      severity: 'error',
      comment: 'Domain modules raise domain errors; the API layer (src/schema: the builder, its plugins, business-errors.ts) maps them.',
      from: { path: '^src/(orders|callbacks|auth|merchants|live|limits|db|webhooks)/' },
      to: { path: '^src/(schema|graphql|http)/' },
    },
    {
      name: 'domain-knows-no-sandbox',
      severity: 'error',
      comment:
        "The domain talks to TarsPay through src/tarspay only, the same against the sandbox as in production; asking the sandbox to settle an order is the API layer's business (src/sandbox-client).",
      from: { path: '^src/(orders|callbacks|auth|merchants|live|limits|db|webhooks)/' },
      to: { path: '^src/(sandbox|sandbox-client)/' },
    },
    {
      name: 'domain-knows-no-graphql-libraries',
      severity: 'error',
      from: { path: '^src/(orders|callbacks|auth|merchants|tarspay|sandbox|webhooks)/' },
      to: { path: '(^|/)node_modules/(graphql|graphql-yoga|@pothos)/' },
    },
    {
      name: 'schema-is-not-transport',
      severity: 'error',
      comment: 'src/graphql is transport (Yoga, WebSocket, envelop limits); the schema must not depend on it.',
      from: { path: '^src/schema/' },
      to: { path: '^src/(graphql|http)/' },
    },
    {
      name: 'otel-sdk-loaded-lazily',
      severity: 'error',
      comment: 'The OpenTelemetry SDK and its GraphQL plugin load only when tracing is on: src/observability/tracing.ts imports them dynamically.',
      from: { path: '^src/', pathNot: '^src/observability/(tracing-sdk|use-graphql-tracing)\\.ts$' },
      to: { path: '^src/observability/(tracing-sdk|use-graphql-tracing)\\.ts$', dependencyTypesNot: ['dynamic-import', 'type-only'] },
    },
    {
      name: 'redis-client-loaded-lazily',
      severity: 'error',
      comment: 'ioredis loads only when REDIS_URL is set: src/live/pubsub.ts and src/limits/limit-stores.ts import it dynamically.',
      from: { path: '^src/' },
      to: { path: '(^|/)node_modules/(ioredis|@graphql-yoga/redis-event-target)/', dependencyTypesNot: ['dynamic-import', 'type-only'] },
    },
    {
      name: 'otel-sdk-only-in-observability',
      severity: 'error',
      comment:
        'Instrumented code speaks @opentelemetry/api (src/lib/tracing.ts); the SDK, exporters and the GraphQL plugin are set up in src/observability only.',
      from: { pathNot: '^src/observability/' },
      to: { path: '(^|/)node_modules/(@opentelemetry/(?!api/|semantic-conventions/)|@envelop/opentelemetry/)' },
    },
    {
      name: 'observability-knows-no-domain',
      severity: 'error',
      comment: 'src/observability sets tracing up from its settings; the domain reaches it only through @opentelemetry/api.',
      from: { path: '^src/observability/' },
      to: { path: '^src/', pathNot: '^src/(observability|lib)/' },
    },
    {
      name: 'lib-is-a-leaf',
      severity: 'error',
      from: { path: '^src/lib/' },
      to: { path: '^src/', pathNot: '^src/lib/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};

import { createServer } from 'node:http';
import { createSchema, createYoga } from 'graphql-yoga';

/**
 * The startup floor: a minimal graphql-yoga server with one query and /healthz, started the way
 * `npm start` starts the gateway (the tsx CLI). What any TypeScript GraphQL server started so pays.
 */
const yoga = createYoga({
  schema: createSchema({ typeDefs: 'type Query { hello: String! }', resolvers: { Query: { hello: () => 'world' } } }),
  graphiql: false,
  landingPage: false,
  logging: false,
});
const server = createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  void yoga(req, res);
});
server.listen(Number(process.env.PORT ?? 4000), process.env.HOST ?? '127.0.0.1', () => {
  console.log(`  ready in ${Math.round(performance.now())} ms`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));

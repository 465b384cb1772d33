import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printSubgraphSchema } from '@apollo/subgraph';
import { schema } from './index.js';

/**
 * `npm run schema:print` writes schema/schema.graphql; `npm run schema:check` fails when it is stale.
 * It is the subgraph SDL (what `_service { sdl }` answers and what supergraph composition reads): the
 * API with its federation directives (`@link`, `@key`), without the router-only `_entities`/`_service`.
 */
const target = fileURLToPath(new URL('../../schema/schema.graphql', import.meta.url));
const printed = `${printSubgraphSchema(schema)}\n`;

if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(target, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (committed !== printed) {
    console.error('schema/schema.graphql is out of date with the code-first schema: run `npm run schema:print` and commit it.');
    process.exit(1);
  }
  console.log('schema/schema.graphql is up to date.');
} else {
  writeFileSync(target, printed);
  console.log(`wrote ${target}`);
}

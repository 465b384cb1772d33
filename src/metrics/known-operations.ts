import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Kind, parse } from 'graphql';
import { GRAPHIQL_EXAMPLE } from '../graphql/graphiql-example.js';

const EXAMPLE_OPERATIONS = new URL('../../examples/operations/', import.meta.url);
const DEMO_CHECKOUT = new URL('../demo/checkout.js', import.meta.url);

function operationNamesIn(source: string): string[] {
  return parse(source).definitions.flatMap((definition) => (definition.kind === Kind.OPERATION_DEFINITION && definition.name ? [definition.name.value] : []));
}

/**
 * Operation names that may become metric labels: the operations this project ships (the typed
 * client's `examples/operations/*.graphql`, the demo checkout's, GraphiQL's example) and the
 * ones given in `extra` (METRICS_OPERATION_NAMES). Read once at start; callers choose every other
 * name, so those are counted as "other".
 */
export function knownOperationNames(extra: readonly string[] = []): ReadonlySet<string> {
  const names = new Set<string>(extra);
  for (const name of operationNamesIn(GRAPHIQL_EXAMPLE)) names.add(name);
  if (existsSync(EXAMPLE_OPERATIONS)) {
    for (const file of readdirSync(EXAMPLE_OPERATIONS).filter((entry) => entry.endsWith('.graphql'))) {
      for (const name of operationNamesIn(readFileSync(new URL(file, EXAMPLE_OPERATIONS), 'utf8'))) names.add(name);
    }
  }
  // The page's documents are strings in its script: `query DemoPaymentMethods { … }`.
  if (existsSync(DEMO_CHECKOUT)) {
    for (const match of readFileSync(DEMO_CHECKOUT, 'utf8').matchAll(/['`](?:query|mutation|subscription)\s+([A-Za-z_]\w*)/g)) names.add(match[1]!);
  }
  return names;
}

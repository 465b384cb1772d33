import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Kind, parse } from 'graphql';
import { GRAPHIQL_EXAMPLE } from '../graphql/graphiql-example.js';

const EXAMPLE_OPERATIONS = new URL('../../examples/operations/', import.meta.url);
const DEMO_OPERATIONS = new URL('../demo/operations/', import.meta.url);

function operationNamesIn(source: string): string[] {
  return parse(source).definitions.flatMap((definition) => (definition.kind === Kind.OPERATION_DEFINITION && definition.name ? [definition.name.value] : []));
}

/**
 * Operation names that may become metric labels: the operations this project ships (the typed
 * client's `examples/operations/*.graphql`, the demo checkout's `src/demo/operations/*.graphql`,
 * GraphiQL's example) and the ones given in `extra` (METRICS_OPERATION_NAMES). Read once at
 * start; callers choose every other name, so those are counted as "other".
 */
export function knownOperationNames(extra: readonly string[] = []): ReadonlySet<string> {
  const names = new Set<string>(extra);
  for (const name of operationNamesIn(GRAPHIQL_EXAMPLE)) names.add(name);
  for (const directory of [EXAMPLE_OPERATIONS, DEMO_OPERATIONS]) {
    if (!existsSync(directory)) continue;
    for (const file of readdirSync(directory).filter((entry) => entry.endsWith('.graphql'))) {
      for (const name of operationNamesIn(readFileSync(new URL(file, directory), 'utf8'))) names.add(name);
    }
  }
  return names;
}

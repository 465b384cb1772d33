import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { GRAPHIQL_EXAMPLE } from '../../src/graphql/graphiql-example.js';
import { schema } from '../../src/schema/index.js';

describe('GraphiQL in development', () => {
  it('opens with example operations that are valid against the schema', () => {
    const document = parse(GRAPHIQL_EXAMPLE);
    expect(validate(schema, document)).toEqual([]);
    const names = document.definitions.map((definition) => ('name' in definition ? definition.name?.value : undefined));
    expect(names).toEqual(expect.arrayContaining(['CreateCollection', 'SettleInSandbox', 'GetOrder', 'WatchOrder']));
  });
});

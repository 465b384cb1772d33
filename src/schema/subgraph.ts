import { printSubgraphSchema } from '@apollo/subgraph';
import { EntityType, entitiesField, serviceField } from '@apollo/subgraph/dist/types.js';
import { hasResolvableKey } from '@pothos/plugin-federation';
import { GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLUnionType, isObjectType } from 'graphql';

/**
 * The API as an Apollo Federation v2 subgraph: Query._entities (for the types with a @key) and
 * Query._service beside its own fields. It is what Pothos' `toSubGraphSchema` builds, without the
 * alphabetical sort that one applies: the API keeps its order in schema/schema.graphql, in
 * introspection and in validation errors. `api` must carry the `@link` (see index.ts).
 */
export function subgraphSchema(api: GraphQLSchema): GraphQLSchema {
  const query = api.getQueryType();
  if (!query) throw new Error('a subgraph needs a Query type');
  const entities = Object.values(api.getTypeMap()).filter((type) => isObjectType(type) && hasResolvableKey(type)) as GraphQLObjectType[];
  const entity = new GraphQLUnionType({ ...EntityType.toConfig(), types: entities });
  // Printed at the first `_service` query (a router's composition), not at every start: printing
  // validates the whole subgraph with @apollo/federation-internals, ~0.3 s of CPU.
  let sdl: string | undefined;
  const subgraphQuery = new GraphQLObjectType({
    ...query.toConfig(),
    fields: () => ({
      ...query.toConfig().fields,
      _entities: { ...entitiesField, type: new GraphQLNonNull(new GraphQLList(entity)) },
      _service: { ...serviceField, resolve: (): { sdl: string } => ({ sdl: (sdl ??= printSubgraphSchema(schema)) }) },
    }),
  });
  const schema: GraphQLSchema = new GraphQLSchema({
    ...api.toConfig(),
    query: subgraphQuery,
    types: Object.values(api.getTypeMap()).map((type) => (type === query ? subgraphQuery : type)),
  });
  return schema;
}

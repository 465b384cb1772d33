import {
  getNamedType,
  getOperationAST,
  isInterfaceType,
  isObjectType,
  Kind,
  OperationTypeNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';

/**
 * Field extensions read here. A field that calls TarsPay each time it resolves is marked
 * `extensions: { upstreamCost: 1 }` in its schema file (balance, transactions, orderRefresh).
 */
export interface CostExtensions {
  upstreamCost?: number;
}

/**
 * What an operation costs against the rate limits, before it runs:
 * - a query or a subscription costs 1; a mutation costs 1 per root field (aliases count: three
 *   aliased `collectionCreate` cost 3);
 * - every selected field marked with `upstreamCost` adds it, as often as it is selected.
 * Fields under `@skip`/`@include` count as selected (the cost is an upper bound). Each fragment is
 * costed once and reused, so a document cannot make this walk expensive.
 */
export function operationCost(schema: GraphQLSchema, document: DocumentNode, operationName?: string | null): number {
  const operation = getOperationAST(document, operationName);
  if (!operation) return 0;
  const rootType = schema.getRootType(operation.operation);
  if (!rootType) return 0;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const fragmentCosts = new Map<string, number>();
  const countRootFields = operation.operation === OperationTypeNode.MUTATION;

  const costOf = (selectionSet: SelectionSetNode, parentType: GraphQLNamedType | undefined | null, visiting: Set<string>): number => {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const field = isObjectType(parentType) || isInterfaceType(parentType) ? parentType.getFields()[selection.name.value] : undefined;
        if (countRootFields && parentType === rootType) cost += 1;
        cost += Number((field?.extensions as CostExtensions | undefined)?.upstreamCost ?? 0);
        if (selection.selectionSet && field) cost += costOf(selection.selectionSet, getNamedType(field.type), visiting);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parentType;
        cost += costOf(selection.selectionSet, type, visiting);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        // Validation refuses unknown and cyclic fragments; this only keeps the walk finite regardless.
        if (!fragment || visiting.has(name)) continue;
        let fragmentCost = fragmentCosts.get(name);
        if (fragmentCost === undefined) {
          visiting.add(name);
          fragmentCost = costOf(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value), visiting);
          visiting.delete(name);
          fragmentCosts.set(name, fragmentCost);
        }
        cost += fragmentCost;
      }
    }
    return cost;
  };

  const cost = costOf(operation.selectionSet, rootType, new Set());
  return countRootFields ? cost : cost + 1;
}

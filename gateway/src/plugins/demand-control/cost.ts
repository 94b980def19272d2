import { HubErrorCode, hubError } from '@nhs-hub/kit/platform';
import {
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLError,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  valueFromAST,
  valueFromASTUntyped,
} from 'graphql';

/**
 * Demand control that counts lists: every object the answer may hold costs 1 (plus any `@cost`
 * weight of its field), times the size of each list around it, as the subgraphs declare it
 * (`@listSize`: `first` for a paged field, an assumed size from the data otherwise, in their
 * schema code; composition keeps it in the supergraph). The limit is set from the public
 * operations in schema/operations (docs/security.md lists their costs): the dearest, AllStps at its
 * largest page, fits with room to spare; a document that nests lists in lists does not.
 */
export const DEMAND_CONTROL = {
  /** AllStps at first: 200 costs 14,801 (docs/security.md, checked by demand-control.test.ts): 2x headroom above the dearest public operation. */
  maxCost: 30_000,
  /** Lists no field sizes (flags, sources, checks of one figure): small value lists, at most 5 long in the seeds. */
  assumedListSize: 5,
} as const;

/** The hub's refusal for a cost over the limit: a 400, the estimate and the limit in its message. */
export function costRefusal(estimated: number, max: number): GraphQLError {
  return hubError(
    `Query cost limit exceeded: estimated cost ${estimated}, the limit is ${max}. Ask for fewer items per list (a smaller \`first\`) or fewer nested lists (a list inside a list multiplies); split the query if you need all of it.`,
    HubErrorCode.QUERY_LIMIT_EXCEEDED,
    { extensions: { limit: 'maxCost', max, found: estimated, http: { status: 400 } } },
  );
}

interface ListSize {
  readonly assumedSize?: number;
  readonly slicingArguments?: readonly string[];
  readonly sizedFields?: readonly string[];
}

const directiveArgs = (directives: readonly DirectiveNode[] | undefined, name: string) => {
  const found = directives?.find((d) => d.name.value === name);
  if (!found) return undefined;
  return Object.fromEntries((found.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value)]));
};

/**
 * The estimate of one operation, over the whole document as the caller sent it. Hive's own
 * demand control (the runtime's `demandControl` option) estimates each subgraph call on its own:
 * an entity call's `_entities` list has no declared size, so `{ stps(first: 200) { nodes {
 * priorities { programmes { stps { code } } } } } }` crossing subgraphs cost it a few hundred, and
 * fragments counted once whatever the list around their spread; this counts them where they are spread.
 */
export function estimateCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  given: Readonly<Record<string, unknown>> | null | undefined,
  assumedListSize: number = DEMAND_CONTROL.assumedListSize,
): number {
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  const root = operation && (operation.operation === 'query' ? schema.getQueryType() : null);
  if (!operation || !root) return 0;
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((f) => [f.name.value, f]),
  );
  // The operation's own defaults stand for variables the caller left out (AllStps' $first = 200).
  const variables: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (given && Object.hasOwn(given, name)) variables[name] = given[name];
    else if (definition.defaultValue) variables[name] = valueFromASTUntyped(definition.defaultValue);
  }

  const slice = (field: GraphQLField<unknown, unknown>, node: FieldNode, size: ListSize): number => {
    let largest = 0;
    for (const name of size.slicingArguments ?? []) {
      const definition = field.args.find((a) => a.name === name);
      const argument = node.arguments?.find((a) => a.name.value === name);
      const value = argument && definition ? valueFromAST(argument.value, definition.type, variables) : undefined;
      const n = Number(value ?? definition?.defaultValue ?? 0);
      if (Number.isFinite(n) && n > largest) largest = n;
    }
    return largest;
  };

  const walk = (
    selectionSet: SelectionSetNode,
    parent: GraphQLNamedType,
    multiplier: number,
    sized: ReadonlyMap<string, number>,
    seen: ReadonlySet<string>,
  ): number => {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (on) cost += walk(selection.selectionSet, on, multiplier, sized, seen);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        // A cycle is refused by validation; guard anyway, it would not terminate here.
        if (!fragment || seen.has(fragment.name.value)) continue;
        const on = schema.getType(fragment.typeCondition.name.value);
        if (on) cost += walk(fragment.selectionSet, on, multiplier, sized, new Set([...seen, fragment.name.value]));
        continue;
      }
      if (!(isObjectType(parent) || isInterfaceType(parent))) continue;
      const field = parent.getFields()[selection.name.value];
      if (!field) continue;
      const listSize = directiveArgs(field.astNode?.directives, 'listSize') as ListSize | undefined;
      const weight = Number(directiveArgs(field.astNode?.directives, 'cost')?.weight ?? 0);
      const sizedByParent = sized.get(selection.name.value);
      let factor = 1;
      const childSized = new Map<string, number>();
      if (sizedByParent !== undefined) {
        factor = sizedByParent;
      } else if (listSize?.slicingArguments?.length) {
        const n = slice(field, selection, listSize);
        if (listSize.sizedFields?.length) for (const name of listSize.sizedFields) childSized.set(name, n);
        else factor = n;
      } else if (listSize?.assumedSize !== undefined) {
        factor = listSize.assumedSize;
      } else if (isListType(getNullableType(field.type))) {
        factor = assumedListSize;
      }
      const named = getNamedType(field.type);
      const own = (isCompositeType(named) ? 1 : 0) + (Number.isFinite(weight) ? weight : 0);
      cost += multiplier * factor * own;
      if (selection.selectionSet) cost += walk(selection.selectionSet, named, multiplier * factor, childSized, seen);
    }
    return cost;
  };
  return walk(operation.selectionSet, root, 1, new Map(), new Set());
}

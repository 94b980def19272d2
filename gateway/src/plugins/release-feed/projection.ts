import type { ReleaseAnnouncement } from '@nhs-hub/kit/platform';
import type { DocumentNode, FragmentDefinitionNode, SelectionSetNode } from 'graphql';

/** A JSON value, as a release and its projection are made of. */
export type Value = string | number | boolean | null | readonly Value[] | { readonly [key: string]: Value };

/** The release as the subgraph's Release type has it (`name`, `__typename`s), with the data version it moved the graph to. */
export function published(release: ReleaseAnnouncement, dataVersion: string): Value {
  return {
    __typename: 'Release',
    subgraph: release.subgraph,
    id: release.id,
    name: `${release.subgraph}.${release.id}`,
    at: release.at,
    kind: release.kind,
    tables: [...release.tables],
    counts: { __typename: 'ReleaseCounts', ...release.counts, kept: release.counts.kept ?? null },
    reverts: release.reverts,
    dataVersion,
  };
}

/**
 * The part of `value` the planner's document selects, under its aliases. Done here rather than by
 * graphql-js's execute: the runtime's graphql module is another instance (CommonJS) than this
 * file's, and a schema from one cannot be executed by the other.
 */
export function project(document: DocumentNode, value: Value): Record<string, Value> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === 'FragmentDefinition') fragments.set(definition.name.value, definition);
  const select = (set: SelectionSetNode, from: Value): Value => {
    if (from === null || typeof from !== 'object') return from;
    if (Array.isArray(from)) return from.map((item: Value) => select(set, item));
    const source = from as { readonly [key: string]: Value };
    const out: Record<string, Value> = {};
    for (const selection of set.selections) {
      if (selection.kind === 'Field') {
        const field = source[selection.name.value] ?? null;
        out[selection.alias?.value ?? selection.name.value] = selection.selectionSet
          ? select(selection.selectionSet, field)
          : field;
      } else {
        const inner =
          selection.kind === 'InlineFragment'
            ? selection.selectionSet
            : fragments.get(selection.name.value)?.selectionSet;
        if (inner) Object.assign(out, select(inner, source));
      }
    }
    return out;
  };
  const operation = document.definitions.find((d) => d.kind === 'OperationDefinition');
  if (operation?.kind !== 'OperationDefinition') return {};
  return select(operation.selectionSet, value) as Record<string, Value>;
}

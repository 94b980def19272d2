import { readFileSync } from 'node:fs';
import { type ConstDirectiveNode, Kind, parse } from 'graphql';
import { REPO_ROOT } from './config.js';

/**
 * The entity table of infra/graph-ownership.md, generated from the supergraph by `npm run compose`
 * (between its markers), so the map people read cannot drift from what runs. The prose around it is
 * written by hand.
 */
export const OWNERSHIP_PATH = `${REPO_ROOT}infra/graph-ownership.md`;
const START = '<!-- ownership-table:start -->';
const END = '<!-- ownership-table:end -->';

export interface Ownership {
  entity: string;
  key: string;
  owner: string;
  extendedBy: string[];
}

export function ownershipFromSupergraph(supergraphSdl: string): Ownership[] {
  const argument = (d: ConstDirectiveNode, name: string) => {
    const value = d.arguments?.find((a) => a.name.value === name)?.value;
    return value && (value.kind === Kind.STRING || value.kind === Kind.ENUM || value.kind === Kind.BOOLEAN)
      ? String(value.value)
      : undefined;
  };
  const graph = (d: ConstDirectiveNode) => (argument(d, 'graph') ?? '').toLowerCase();
  const entities: Ownership[] = [];
  for (const definition of parse(supergraphSdl).definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
    const joins = (definition.directives ?? []).filter((d) => d.name.value === 'join__type' && argument(d, 'key'));
    if (joins.length === 0) continue;
    const owners = joins.filter((d) => argument(d, 'extension') !== 'true').map(graph);
    if (owners.length !== 1)
      throw new Error(
        `${definition.name.value} has ${owners.length} owners (${owners.join(', ')}); an entity has exactly one`,
      );
    entities.push({
      entity: definition.name.value,
      key: argument(joins[0] as ConstDirectiveNode, 'key') ?? '',
      owner: owners[0] ?? '',
      extendedBy: [...new Set(joins.filter((d) => argument(d, 'extension') === 'true').map(graph))].sort(),
    });
  }
  // Owners in the order subgraphs.json lists them would need the config; alphabetical is stable.
  return entities.sort((a, b) => a.owner.localeCompare(b.owner) || a.entity.localeCompare(b.entity));
}

export function renderOwnershipTable(entities: readonly Ownership[]): string {
  const rows = entities.map((e) => `| \`${e.entity}\` | \`${e.key}\` | ${e.owner} | ${e.extendedBy.join(', ')} |`);
  return [START, '| entity | key | owner | extended by |', '| --- | --- | --- | --- |', ...rows, END].join('\n');
}

/** The ownership document with its table regenerated from the supergraph. */
export function ownershipDocument(
  supergraphSdl: string,
  current: string = readFileSync(OWNERSHIP_PATH, 'utf8'),
): string {
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  if (start < 0 || end < start)
    throw new Error(`${OWNERSHIP_PATH.replace(REPO_ROOT, '')} lost its ${START} ... ${END} markers`);
  return `${current.slice(0, start)}${renderOwnershipTable(ownershipFromSupergraph(supergraphSdl))}${current.slice(end + END.length)}`;
}

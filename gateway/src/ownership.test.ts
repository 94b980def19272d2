import { readFileSync } from 'node:fs';
import { Kind, parse, type ConstDirectiveNode, type ObjectTypeDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, SUPERGRAPH_PATH } from './config.js';

/**
 * infra/graph-ownership.md is the map people read; the supergraph is what runs. They must agree:
 * one owner per entity, and exactly the extending subgraphs the map names.
 */
interface Ownership {
  key: string;
  owner: string;
  extendedBy: string[];
}

function fromMap(): Map<string, Ownership> {
  const text = readFileSync(`${REPO_ROOT}infra/graph-ownership.md`, 'utf8');
  const table = /<!-- ownership-table:start -->([\s\S]*?)<!-- ownership-table:end -->/.exec(text)?.[1] ?? '';
  const entities = new Map<string, Ownership>();
  for (const line of table.split('\n').slice(3)) {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim().replaceAll('`', ''));
    if (cells.length !== 4) continue;
    const [entity = '', key = '', owner = '', extendedBy = ''] = cells;
    entities.set(entity, { key, owner, extendedBy: extendedBy.split(',').map((s) => s.trim()).filter(Boolean).sort() });
  }
  return entities;
}

function fromSupergraph(): Map<string, Ownership> {
  const document = parse(readFileSync(SUPERGRAPH_PATH, 'utf8'));
  const argument = (d: ConstDirectiveNode, name: string) => {
    const value = d.arguments?.find((a) => a.name.value === name)?.value;
    return value && (value.kind === Kind.STRING || value.kind === Kind.ENUM || value.kind === Kind.BOOLEAN) ? String(value.value) : undefined;
  };
  const entities = new Map<string, Ownership>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
    const joins = ((definition as ObjectTypeDefinitionNode).directives ?? []).filter((d) => d.name.value === 'join__type' && argument(d, 'key'));
    if (joins.length === 0) continue;
    const graph = (d: ConstDirectiveNode) => (argument(d, 'graph') ?? '').toLowerCase();
    const owners = joins.filter((d) => argument(d, 'extension') !== 'true').map(graph);
    expect(owners, `${definition.name.value} must have exactly one owner`).toHaveLength(1);
    entities.set(definition.name.value, {
      key: argument(joins[0] as ConstDirectiveNode, 'key') ?? '',
      owner: owners[0] ?? '',
      extendedBy: [...new Set(joins.filter((d) => argument(d, 'extension') === 'true').map(graph))].sort(),
    });
  }
  return entities;
}

describe('infra/graph-ownership.md', () => {
  it('names every entity of the supergraph with its key, its one owner and exactly its extending subgraphs', () => {
    const map = fromMap();
    expect(map.size).toBeGreaterThanOrEqual(3);
    expect(Object.fromEntries(map)).toEqual(Object.fromEntries(fromSupergraph()));
  });
});

import type { FeedChange } from '@nhs-hub/kit/subgraph';
import { describe, expect, it } from 'vitest';
import { fieldChanges, mergePages } from './feed.js';

const record = (
  id: number,
  at: string,
  after: Record<string, unknown>,
  before: Record<string, unknown> | null = null,
): FeedChange => ({
  id,
  release: 1,
  at,
  table: 't',
  key: { id },
  op: before ? 'update' : 'insert',
  before,
  after,
});

describe('field changes', () => {
  it("gives an update's changed columns and an insert's filled ones, as text", () => {
    expect(
      fieldChanges('s', record(1, 'a', { value: 10 }, { value: 9 })).map((c) => [c.field, c.before, c.after]),
    ).toEqual([['value', '9', '10']]);
    expect(
      fieldChanges('s', record(1, 'a', { id: 'x', unit: null, n: 2 })).map((c) => [c.field, c.before, c.after]),
    ).toEqual([
      ['id', null, 'x'],
      ['n', null, '2'],
    ]);
  });
});

describe('merging pages', () => {
  const a = {
    subgraph: 'a',
    changes: [record(1, '1', { x: 1, y: 2 }), record(2, '3', { x: 3 })],
    more: false,
    position: null,
  };
  const b = { subgraph: 'b', changes: [record(5, '2', { z: 1 })], more: false, position: null };

  it('orders by time across subgraphs and cuts a record between fields', () => {
    const first = mergePages([a, b], 1);
    expect(first.nodes.map((n) => `${n.subgraph}${n.recordId}.${n.field}`)).toEqual(['a1.x']);
    expect(first.positions).toEqual({ a: { id: 1, fields: 1 } });
    expect(first.hasNextPage).toBe(true);
    const second = mergePages([{ ...a, position: { id: 1, fields: 1 } }, b], 10);
    expect(second.nodes.map((n) => `${n.subgraph}${n.recordId}.${n.field}`)).toEqual(['a1.y', 'b5.z', 'a2.x']);
    expect(second.positions).toEqual({ a: { id: 2, fields: 0 }, b: { id: 5, fields: 0 } });
    expect(second.hasNextPage).toBe(false);
  });
});

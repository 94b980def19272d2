import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SubgraphDatabase } from './db.js';
import { countRows, type PageWindow, TOTAL_COUNT, withTotalCount } from './paging.js';
import { createTestHub, type TestHub } from './testing.js';

interface Db {
  item: { id: number; name: string };
  nothing: { id: number; name: string };
}

let hub: TestHub;
let scoped: SubgraphDatabase<Db>;

beforeAll(async () => {
  hub = await createTestHub();
  scoped = await hub.newSchema<Db>('paging');
  for (const table of ['item', 'nothing'] as const) {
    await scoped.db.schema
      .createTable(table)
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .execute();
  }
  await scoped.db
    .insertInto('item')
    .values([1, 2, 3].map((id) => ({ id, name: `item ${id}` })))
    .execute();
});
afterAll(() => hub.close());

/** A page as the repositories read one, and how many statements it took. */
function page(table: keyof Db, window: PageWindow) {
  return scoped.counter.measure(async () => {
    const query = scoped.db.selectFrom(table).selectAll().select(TOTAL_COUNT);
    const rows = await query.orderBy('id').limit(window.limit).offset(window.offset).execute();
    return withTotalCount(rows, window, () => countRows(query));
  });
}

describe('withTotalCount', () => {
  it('takes the total from the window column of a page with rows, in the page statement alone', async () => {
    const { result, statements } = await page('item', { limit: 2, offset: 1 });
    expect(result).toEqual({
      rows: [
        { id: 2, name: 'item 2' },
        { id: 3, name: 'item 3' },
      ],
      totalCount: 3,
    });
    expect(statements).toBe(1);
  });

  it('counts once more for an empty page past the end', async () => {
    const { result, statements } = await page('item', { limit: 2, offset: 5 });
    expect(result).toEqual({ rows: [], totalCount: 3 });
    expect(statements).toBe(2);
  });

  it('counts once more for first: 0', async () => {
    const { result, statements } = await page('item', { limit: 0, offset: 0 });
    expect(result).toEqual({ rows: [], totalCount: 3 });
    expect(statements).toBe(2);
  });

  it('answers 0 for an empty first page without counting: nothing matched', async () => {
    const { result, statements } = await page('nothing', { limit: 2, offset: 0 });
    expect(result).toEqual({ rows: [], totalCount: 0 });
    expect(statements).toBe(1);
  });
});

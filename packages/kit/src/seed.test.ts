import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SubgraphDatabase } from './db.js';
import { ensureReleaseTables } from './releases.js';
import { replaceTables } from './seed.js';
import { createTestHub, type TestHub } from './testing.js';

interface Db {
  parent: { id: number; name: string; parent_id: number | null };
  child: { id: number; parent_id: number; note: string };
  bulk: { id: number; a: string; b: string };
}

let hub: TestHub;
let scoped: SubgraphDatabase<Db>;

beforeAll(async () => {
  hub = await createTestHub();
  scoped = await hub.newSchema<Db>('seed');
  await scoped.db.schema
    .createTable('parent')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('parent_id', 'integer', (c) => c.references('parent.id'))
    .execute();
  await scoped.db.schema
    .createTable('bulk')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('a', 'text')
    .addColumn('b', 'text')
    .execute();
  await scoped.db.schema
    .createTable('child')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('parent_id', 'integer', (c) => c.notNull().references('parent.id'))
    .addColumn('note', 'text', (c) => c.notNull())
    .execute();
});
afterAll(() => hub.close());

const parents = (n: number, name: string) =>
  Array.from({ length: n }, (_, i) => ({ id: i + 1, name: `${name} ${i + 1}`, parent_id: i === 0 ? null : 1 }));
const count = async (table: keyof Db) =>
  Number(
    (
      await scoped.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('replaceTables', () => {
  it('loads more rows than one statement can bind (25,000 x 3 parameters > 65,535), in chunks', async () => {
    const rows = Array.from({ length: 25_000 }, (_, i) => ({ id: i + 1, a: `a${i + 1}`, b: `b${i + 1}` }));
    await ensureReleaseTables(scoped.db);
    const { statements, result } = await scoped.counter.measure(() => replaceTables(scoped.db, [['bulk', rows]]));
    expect(result).toEqual({ bulk: 25_000 });
    expect(await count('bulk')).toBe(25_000);
    // 2 to see the release tables are current; the release lock; the table's key, rows and standing
    // changes; one delete and three chunks of 10,000 rows; the release opened, its 25,000 changed rows
    // in 7 chunks of 4,000, and closed
    expect(statements).toBe(2 + 1 + 3 + 1 + 3 + 1 + 7 + 1);
    expect(await scoped.db.selectFrom('bulk').selectAll().where('id', '=', 25_000).executeTakeFirstOrThrow()).toEqual({
      id: 25_000,
      a: 'a25000',
      b: 'b25000',
    });
    // and again: the table is replaced, not appended to
    await replaceTables(scoped.db, [['bulk', rows.slice(0, 2)]]);
    expect(await count('bulk')).toBe(2);
  });

  it('replaces what was there: deleting children before the parents they refer to', async () => {
    await replaceTables(scoped.db, [
      ['parent', parents(3, 'first')],
      ['child', [{ id: 1, parent_id: 3, note: 'replaced' }]],
    ]);
    await replaceTables(scoped.db, [
      ['parent', parents(2, 'second')],
      ['child', [{ id: 7, parent_id: 2, note: 'kept' }]],
    ]);
    expect(await scoped.db.selectFrom('parent').select(['id', 'name']).orderBy('id').execute()).toEqual([
      { id: 1, name: 'second 1' },
      { id: 2, name: 'second 2' },
    ]);
    expect(await scoped.db.selectFrom('child').selectAll().execute()).toEqual([{ id: 7, parent_id: 2, note: 'kept' }]);
  });

  it('leaves the previous rows of every table when any insert fails', async () => {
    const failing = replaceTables(scoped.db, [
      ['parent', parents(3, 'third')],
      // parent 99 does not exist: the foreign key fails after parent was already replaced in the transaction
      ['child', [{ id: 8, parent_id: 99, note: 'orphan' }]],
    ]);
    await expect(failing).rejects.toThrow(/foreign key/);
    expect(await count('parent')).toBe(2);
    expect(await scoped.db.selectFrom('parent').select('name').where('id', '=', 1).executeTakeFirstOrThrow()).toEqual({
      name: 'second 1',
    });
    expect(await scoped.db.selectFrom('child').select('note').execute()).toEqual([{ note: 'kept' }]);
  });

  it('empties a table given no rows, and refuses a table listed twice', async () => {
    expect(
      await replaceTables(scoped.db, [
        ['parent', parents(1, 'fourth')],
        ['child', []],
      ]),
    ).toEqual({ parent: 1, child: 0 });
    expect(await count('child')).toBe(0);
    await expect(
      replaceTables(scoped.db, [
        ['parent', []],
        ['parent', []],
      ]),
    ).rejects.toThrow(/parent is listed twice/);
    expect(await count('parent')).toBe(1);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { SubgraphDatabase } from './db.js';
import { type LoadableTable, loadFile } from './loader.js';
import {
  ensureReleaseTables,
  type RowChange,
  rowChange,
  type SeedReleaseContext,
  seedReleaseContext,
} from './releases.js';
import { replaceTables, type SeedDerivation } from './seed.js';
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

describe('a reseed derives again what is derived from the rows it keeps', () => {
  interface Parts {
    part: { id: string; stp_code: string; amount: string; note: string };
    total: { stp_code: string; amount: string };
  }
  let parts: SubgraphDatabase<Parts>;
  const dir = mkdtempSync(join(tmpdir(), 'kit-seed-derive-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Each STP's total of its parts, and each part's note naming it: what both a load and a seed derive. */
  const derive = (rows: readonly Readonly<Record<string, unknown>>[]) => {
    const totals = new Map<string, number>();
    for (const row of rows)
      totals.set(String(row.stp_code), (totals.get(String(row.stp_code)) ?? 0) + Number(row.amount));
    return {
      total: [...totals].map(([stp_code, sum]) => ({ stp_code, amount: String(sum) })),
      part: rows.map((row) => ({
        id: String(row.id),
        stp_code: String(row.stp_code),
        amount: String(row.amount),
        note: `of ${totals.get(String(row.stp_code))}`,
      })),
    };
  };
  const derivation: SeedDerivation<Parts> = {
    derived: { total: '*', part: ['note'] },
    derive: (merged) => derive(merged.get('part') ?? []),
  };
  /** A load of parts that derives the totals and every part's note in its own release, as finance's facts do. */
  const loadable: LoadableTable<Parts['part']> = {
    table: 'part',
    row: z.object({ id: z.string(), stp_code: z.string(), amount: z.string(), note: z.string() }),
    key: ['id'],
    references: [],
    derives: ['total'],
    async derive(trx, _changes, { schema }) {
      const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(`${schema}.part`)}`.execute(trx);
      const { rows: totals } = await sql<
        Record<string, unknown>
      >`select * from ${sql.table(`${schema}.total`)}`.execute(trx);
      const next = derive(rows);
      const changes: RowChange[] = [];
      for (const row of next.total) {
        const change = rowChange(
          'total',
          ['stp_code'],
          totals.find((t) => t.stp_code === row.stp_code),
          row,
        );
        if (change) changes.push(change);
        await sql`update ${sql.table(`${schema}.total`)} set amount = ${row.amount} where stp_code = ${row.stp_code}`.execute(
          trx,
        );
      }
      for (const row of next.part) {
        const change = rowChange(
          'part',
          ['id'],
          rows.find((r) => r.id === row.id),
          { id: row.id, note: row.note },
        );
        if (change) changes.push(change);
        await sql`update ${sql.table(`${schema}.part`)} set note = ${row.note} where id = ${row.id}`.execute(trx);
      }
      return changes;
    },
  };
  const seed = (b: string) =>
    replaceTables(
      parts.db,
      [
        ['total', [{ stp_code: 'QJM', amount: '3' }]],
        [
          'part',
          [
            { id: 'a', stp_code: 'QJM', amount: '1', note: 'of 3' },
            { id: 'b', stp_code: 'QJM', amount: b, note: 'of 3' },
          ],
        ],
      ],
      derivation,
    );
  const held = async () => ({
    parts: await parts.db.selectFrom('part').select(['id', 'amount', 'note']).orderBy('id').execute(),
    total: (await parts.db.selectFrom('total').select('amount').executeTakeFirstOrThrow()).amount,
  });

  beforeAll(async () => {
    parts = await hub.newSchema<Parts>('seed_derive');
    await parts.db.schema
      .createTable('total')
      .addColumn('stp_code', 'text', (c) => c.primaryKey())
      .addColumn('amount', 'numeric', (c) => c.notNull())
      .execute();
    await parts.db.schema
      .createTable('part')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('stp_code', 'text', (c) => c.notNull().references('total.stp_code'))
      .addColumn('amount', 'numeric', (c) => c.notNull())
      .addColumn('note', 'text', (c) => c.notNull())
      .execute();
  });

  it("keeps a loaded part, applies data/'s other part the load only re-derived, and derives the total from both", async () => {
    await seed('2');
    const path = join(dir, 'a.csv');
    writeFileSync(path, 'id,stp_code,amount,note\na,QJM,5,loaded\n');
    const loaded = await loadFile(parts.db, loadable, path);
    // The load set part a, and derived the total and both notes (b's only changes there).
    expect(await held()).toEqual({
      parts: [
        { id: 'a', amount: '5', note: 'of 7' },
        { id: 'b', amount: '2', note: 'of 7' },
      ],
      total: '7',
    });
    // data/ changes b; the reseed keeps a as loaded, and the load's note on b keeps nothing.
    const context: SeedReleaseContext = { files: [] };
    await seedReleaseContext.run(context, () => seed('4'));
    expect(await held()).toEqual({
      parts: [
        { id: 'a', amount: '5', note: 'of 9' },
        { id: 'b', amount: '4', note: 'of 9' },
      ],
      total: '9',
    });
    expect(context.outcome?.kept).toEqual([{ table: 'part', key: { id: 'a' }, release: loaded.release, kind: 'load' }]);
    // Again with the same data: nothing to change.
    const again: SeedReleaseContext = { files: [] };
    await seedReleaseContext.run(again, () => seed('4'));
    expect(again.outcome).toMatchObject({ release: null, kept: [{ key: { id: 'a' } }] });
  });

  it('refuses a derivation that changes more than its derived columns, and writes nothing', async () => {
    const before = await held();
    const overreaching: SeedDerivation<Parts> = {
      ...derivation,
      derive: (merged) => {
        const next = derive(merged.get('part') ?? []);
        return { ...next, part: next.part.map((p) => ({ ...p, amount: '0' })) };
      },
    };
    await expect(
      replaceTables(
        parts.db,
        [
          ['total', [{ stp_code: 'QJM', amount: '3' }]],
          ['part', []],
        ],
        overreaching,
      ),
    ).rejects.toThrow('replaceTables: derive changed amount of part id=a (part derives only note)');
    expect(await held()).toEqual(before);
  });
});

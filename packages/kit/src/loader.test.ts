import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DataFileError } from './data.js';
import { formatLoadSummary, type LoadableTable, loadFile } from './loader.js';
import { createTestHub, type TestHub, uniqueSchemaName } from './testing.js';

interface Db {
  staff_fact: {
    id: string;
    stp_code: string;
    value: string | null;
    statement: string;
    source_document: string;
    source_line: number;
  };
}

const loadable: LoadableTable<Db['staff_fact']> = {
  table: 'staff_fact',
  row: z.object({
    id: z.string().min(1),
    stp_code: z.string().regex(/^[A-Z0-9]{3}$/, 'an STP ODS code such as QJM'),
    value: z
      .string()
      .regex(/^\d+(\.\d+)?$/, 'a plain decimal')
      .nullable(),
    statement: z.string().min(1),
    source_document: z.string(),
    source_line: z.coerce.number().int().positive(),
  }),
  key: ['id'],
  citations: (row) => [
    { column: 'statement', citation: { document: row.source_document, line: row.source_line, text: row.statement } },
  ],
};

const SEED = 'seeds/000_647e8cd618725ea4.txt';
const HEADER = 'id,stp_code,value,statement,source_document,source_line';
let hub: TestHub;
let db: Kysely<Db>;
let schema: string;
let dir: string;

beforeAll(async () => {
  hub = await createTestHub();
  schema = uniqueSchemaName('loader');
  await sql`create schema ${sql.id(schema)}`.execute(hub.database.root);
  await sql`create table ${sql.table(`${schema}.staff_fact`)} (id text primary key, stp_code text not null, value numeric, statement text not null, source_document text not null, source_line int not null)`.execute(
    hub.database.root,
  );
  db = hub.database.forSchema<Db>(schema).db;
  dir = mkdtempSync(join(tmpdir(), 'kit-loader-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await hub.database.dropSchema(schema);
  await hub.close();
});

const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const count = async () =>
  Number(
    (
      await db
        .selectFrom('staff_fact')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('loadFile', () => {
  const good = `${HEADER}\nw.1,QJM,9,high vacancy rate ≈ 9%,${SEED},34\nw.2,QJM,26,An extra 26 GPs are now in post,${SEED},36\n`;

  it('reports every bad row as file:line [column] with the reason, and loads nothing', async () => {
    const bad = file(
      'bad.csv',
      `${HEADER}\nw.1,QJM,9,high vacancy rate ≈ 9%,${SEED},34\nw.2,Q,26,An extra 26 GPs are now in post,${SEED},36\nw.3,QJM,ten,wrong words,${SEED},36\nw.1,QJM,9,high vacancy rate ≈ 9%,${SEED},34\n`,
    );
    const error = await loadFile(db, loadable, bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataFileError);
    const message = (error as Error).message;
    expect(message).toContain('bad.csv:3 [stp_code]: an STP ODS code such as QJM');
    expect(message).toContain('bad.csv:4 [value]: a plain decimal');
    expect(message).toContain('bad.csv:5 [id]: duplicate key ["w.1"], first on line 2');
    expect(await count()).toBe(0);
  });

  it('reports what a dry run would do and writes nothing', async () => {
    const summary = await loadFile(db, loadable, file('good.csv', good), { dryRun: true });
    expect(summary).toMatchObject({ rows: 2, inserted: 2, updated: 0, unchanged: 0, dryRun: true });
    expect(formatLoadSummary(summary)).toContain('would insert 2');
    expect(await count()).toBe(0);
  });

  it('upserts idempotently: a second run of the same file changes nothing and says so', async () => {
    const path = file('good.csv', good);
    const progress: number[] = [];
    expect(await loadFile(db, loadable, path, { onProgress: (done) => progress.push(done) })).toMatchObject({
      inserted: 2,
      updated: 0,
      unchanged: 0,
    });
    expect(progress).toEqual([2]);
    const again = await loadFile(db, loadable, path);
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 2 });
    expect(formatLoadSummary(again)).toContain('Nothing to change');
    const changed = await loadFile(
      db,
      loadable,
      file('changed.csv', good.replace(',9,high', ',9.0,high').replace('w.2,QJM,26', 'w.2,QJM,27')),
    );
    // 9.0 and 9 are the same number; 27 is not 26.
    expect(changed).toMatchObject({ inserted: 0, updated: 1, unchanged: 1 });
    expect(
      (await db.selectFrom('staff_fact').select('value').where('id', '=', 'w.2').executeTakeFirstOrThrow()).value,
    ).toBe('27');
  });

  it('reads JSON arrays, locating a bad element by its line', async () => {
    const json = file(
      'rows.json',
      JSON.stringify(
        [
          {
            id: 'w.3',
            stp_code: 'QJM',
            value: '39',
            statement: 'secure 39 new GPs',
            source_document: SEED,
            source_line: 132,
          },
          {
            id: 'w.4',
            stp_code: 'QJM',
            value: null,
            statement: 'a network of clinical pharmacists',
            source_document: SEED,
            source_line: 999,
          },
        ],
        null,
        2,
      ),
    );
    const error = await loadFile(db, loadable, json).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/rows\.json:10 \[statement\]: citation does not hold/);
    writeFileSync(
      json,
      JSON.stringify([
        {
          id: 'w.3',
          stp_code: 'QJM',
          value: '39',
          statement: 'secure 39 new GPs',
          source_document: SEED,
          source_line: 132,
        },
      ]),
    );
    expect(await loadFile(db, loadable, json)).toMatchObject({ inserted: 1, unchanged: 0 });
  });

  it("reads a spreadsheet's CSV with a byte-order mark, and refuses JSON elements that are not rows", async () => {
    const bom = file('bom.csv', `\uFEFF${HEADER}\nw.1,QJM,9,high vacancy rate ≈ 9%,${SEED},34\n`);
    expect(await loadFile(db, loadable, bom, { dryRun: true })).toMatchObject({ rows: 1 });
    const json = file('odd.json', '[\n  null,\n  [1]\n]');
    const message = await loadFile(db, loadable, json).catch((e: unknown) => (e as Error).message);
    expect(message).toContain('odd.json:2: expected an object (one row), found null');
    expect(message).toContain('odd.json:3: expected an object (one row), found an array');
  });

  it('replaces the whole table when asked (a seed), deleting keys the file no longer has', async () => {
    const before = await count();
    const summary = await loadFile(
      db,
      loadable,
      file('one.csv', `${HEADER}\nw.1,QJM,9,high vacancy rate ≈ 9%,${SEED},34\n`),
      { replace: true },
    );
    expect(summary).toMatchObject({ unchanged: 1, deleted: before - 1 });
    expect(await count()).toBe(1);
  });
});

describe('messages in plain words', () => {
  it('says a column is required when a cell is empty or the column is missing, not what zod expected', async () => {
    const path = join(dir, 'missing.csv');
    writeFileSync(path, `id,value,statement,source_document,source_line\nw.9,9,high vacancy rate ≈ 9%,${SEED},34\n`);
    const message = await loadFile(db, loadable, path).catch((e: unknown) => (e as Error).message);
    expect(message).toContain('missing.csv:2 [stp_code]: column stp_code is required');
    writeFileSync(path, `${HEADER}\nw.9,QJM,9,,${SEED},34\n`);
    expect(await loadFile(db, loadable, path).catch((e: unknown) => (e as Error).message)).toContain(
      'missing.csv:2 [statement]: column statement is required',
    );
  });

  it('says so for an empty number or enum too, once per column, never zod\'s "Too small" or "Invalid option"', async () => {
    const waved: LoadableTable<Db['staff_fact'] & { wave: 'FIRST_WAVE' | 'SECOND_WAVE' }> = {
      ...loadable,
      row: z.object({
        id: z.string().min(1),
        stp_code: z.string(),
        value: z.string().nullable(),
        statement: z.string().min(1),
        source_document: z.string(),
        source_line: z.coerce.number().int().positive(),
        wave: z.enum(['FIRST_WAVE', 'SECOND_WAVE']),
      }),
      citations: undefined,
    };
    const path = file(
      'empty-number.csv',
      `${HEADER},wave\nw.9,QJM,9,a statement,${SEED},,\nw.8,QJM,9,a statement,${SEED}, ,THIRD_WAVE\n`,
    );
    const error = await loadFile(db, waved, path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataFileError);
    const lines = (error as Error).message.split('\n').filter((l) => l.includes('empty-number.csv'));
    expect(lines).toEqual([
      expect.stringMatching(/empty-number\.csv:2 \[source_line\]: column source_line is required$/),
      expect.stringMatching(/empty-number\.csv:2 \[wave\]: column wave is required$/),
      expect.stringMatching(/empty-number\.csv:3 \[source_line\]: column source_line is required$/),
      // A value that is there but wrong still says what was expected.
      expect.stringMatching(
        /empty-number\.csv:3 \[wave\]: Invalid option: expected one of "FIRST_WAVE"\|"SECOND_WAVE"$/,
      ),
    ]);
  });
});

describe('derived tables', () => {
  // stp_total is derived from staff_fact (the sum of an STP's values), as finance's gaps are from their parts.
  const deriving: LoadableTable<Db['staff_fact']> = {
    ...loadable,
    derives: ['stp_total'],
    async derive(trx, changes, { schema: s, file: f }) {
      const stps = [...new Set(changes.map((c) => String((c.after ?? c.before)?.stp_code)))];
      const { rows: before } = await sql<{ stp_code: string; total: string }>`select stp_code, total::text as total
        from ${sql.table(`${s}.stp_total`)} where stp_code in (${sql.join(stps)})`.execute(trx);
      const { rows: after } = await sql<{ stp_code: string; total: string }>`select stp_code, sum(value)::text as total
        from ${sql.table(`${s}.staff_fact`)} where stp_code in (${sql.join(stps)}) group by stp_code`.execute(trx);
      await sql`delete from ${sql.table(`${s}.stp_total`)} where stp_code in (${sql.join(stps)})`.execute(trx);
      for (const row of after)
        await sql`insert into ${sql.table(`${s}.stp_total`)} values (${row.stp_code}, ${row.total})`.execute(trx);
      return after.map((row) => {
        const old = before.find((b) => b.stp_code === row.stp_code);
        return {
          table: 'stp_total',
          key: { stp_code: row.stp_code },
          op: old ? ('update' as const) : ('insert' as const),
          before: old ? { total: old.total } : null,
          after: old ? { total: row.total } : row,
          source: { file: f, line: 0 },
        };
      });
    },
  };
  const totals = async () =>
    (await sql<{ total: string }>`select total::text as total from ${sql.table(`${schema}.stp_total`)}`.execute(db))
      .rows;

  beforeAll(async () => {
    await sql`create table ${sql.table(`${schema}.stp_total`)} (stp_code text primary key, total numeric not null)`.execute(
      hub.database.root,
    );
    await sql`delete from ${sql.table(`${schema}.staff_fact`)}`.execute(hub.database.root);
  });

  it('writes what derives from the loaded rows in the same release, and a dry run shows it without writing', async () => {
    const path = file(
      'derive.csv',
      `${HEADER}\nd.1,QJM,9,high vacancy rate ≈ 9%,${SEED},34\nd.2,QJM,26,An extra 26 GPs are now in post,${SEED},36\n`,
    );
    const dry = await loadFile(db, deriving, path, { dryRun: true });
    expect(dry).toMatchObject({ inserted: 3, derived: 1, release: null });
    expect(dry.preview.map((c) => c.table)).toEqual(['staff_fact', 'staff_fact', 'stp_total']);
    expect(await totals()).toEqual([]);
    expect(await count()).toBe(0);

    const loaded = await loadFile(db, deriving, path);
    expect(loaded).toMatchObject({ inserted: 3, derived: 1 });
    expect(await totals()).toEqual([{ total: '35' }]);
    const { releaseChanges, listReleases } = await import('./releases.js');
    const [latest] = await listReleases(db, { limit: 1 });
    expect(latest).toMatchObject({ id: loaded.release, tables: ['staff_fact', 'stp_total'] });
    const recorded = await releaseChanges(db, loaded.release ?? 0);
    expect(recorded.find((c) => c.table === 'stp_total')).toMatchObject({ op: 'insert', after: { total: '35' } });
  });
});

describe('a key column a row may leave empty (nullableKey)', () => {
  // A region membership is known by its STP and first day; an empty first day is the one open at the start.
  type Period = {
    stp_code: string;
    valid_from: string | null;
    region_code: string;
  };
  const periods: LoadableTable<Period> = {
    table: 'period',
    row: z.object({
      stp_code: z.string().min(1),
      valid_from: z
        .string()
        .nullish()
        .transform((v) => v ?? null),
      region_code: z.string().min(1),
    }),
    key: ['stp_code', 'valid_from'],
    nullableKey: ['valid_from'],
    references: [],
  };
  const rows = async () =>
    (
      await sql<Period>`select stp_code, valid_from::text as valid_from, region_code from ${sql.table(`${schema}.period`)}
        order by stp_code, valid_from nulls first`.execute(db)
    ).rows;
  const HEAD = 'stp_code,valid_from,region_code';

  beforeAll(async () => {
    await sql`create table ${sql.table(`${schema}.period`)} (id serial primary key, stp_code text not null, valid_from date, region_code text not null)`.execute(
      hub.database.root,
    );
    await sql`insert into ${sql.table(`${schema}.period`)} (stp_code, valid_from, region_code)
      values ('QJM', null, 'Y55'), ('QJM', '2019-04-01', 'Y60'), ('QUE', null, 'Y55')`.execute(hub.database.root);
  });

  it('matches the row whose column is null in an upsert, a replace and a delete', async () => {
    const upsert = await loadFile(db, periods, file('p1.csv', `${HEAD}\nQJM,,Y54\nQJM,2019-04-01,Y60\n`));
    expect(upsert).toMatchObject({ inserted: 0, updated: 1, unchanged: 1 });
    expect(await rows()).toEqual([
      { stp_code: 'QJM', valid_from: null, region_code: 'Y54' },
      { stp_code: 'QJM', valid_from: '2019-04-01', region_code: 'Y60' },
      { stp_code: 'QUE', valid_from: null, region_code: 'Y55' },
    ]);
    // `not in` a list holding a null matches nothing: the replace would have deleted no row.
    const replaced = await loadFile(db, periods, file('p2.csv', `${HEAD}\nQJM,,Y54\nQJM,2019-04-01,Y60\n`), {
      mode: 'replace',
    });
    expect(replaced).toMatchObject({ deleted: 1, replacedKeys: [{ stp_code: 'QUE', valid_from: null }] });
    const deleted = await loadFile(db, periods, file('p3.csv', 'stp_code,valid_from\nQJM,\n'), { mode: 'delete' });
    expect(deleted).toMatchObject({ deleted: 1 });
    expect(await rows()).toEqual([{ stp_code: 'QJM', valid_from: '2019-04-01', region_code: 'Y60' }]);
  });

  it('replaces only the rows within its scope, leaving the table’s other rows to their own files', async () => {
    await sql`insert into ${sql.table(`${schema}.period`)} (stp_code, valid_from, region_code)
      values ('QUE', null, 'Y55'), ('QJM', null, 'Y55')`.execute(hub.database.root);
    const lincolnshire = { ...periods, scope: sql`stp_code = 'QJM'` };
    const replaced = await loadFile(db, lincolnshire, file('p4.csv', `${HEAD}\nQJM,2019-04-01,Y60\n`), {
      mode: 'replace',
    });
    expect(replaced).toMatchObject({ deleted: 1, replacedKeys: [{ stp_code: 'QJM', valid_from: null }] });
    expect(await rows()).toEqual([
      { stp_code: 'QJM', valid_from: '2019-04-01', region_code: 'Y60' },
      { stp_code: 'QUE', valid_from: null, region_code: 'Y55' },
    ]);
  });
});

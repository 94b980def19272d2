import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIsoDate } from './builder.js';
import type { HubDatabase } from './db.js';
import { createTestHub, type TestHub } from './testing.js';

let hub: TestHub;
let database: HubDatabase;

beforeAll(async () => {
  hub = await createTestHub();
  database = hub.database;
});
afterAll(() => hub.close());

describe('the database factory', () => {
  it('runs on the database CI asked for (DATABASE_URL must reach the tests through turbo)', () => {
    const expected =
      process.env.EXPECT_DATABASE ??
      (process.env.TEST_DATABASE_URL || process.env.DATABASE_URL ? 'postgres' : 'pglite');
    expect(database.kind).toBe(expected);
  });

  it('returns dates as ISO strings, numeric as exact strings and count(*) as a number on either driver', async () => {
    const scoped = database.forSchema<Record<string, never>>(hub.schema('kit'));
    const row = await sql<{
      d: string;
      n: string;
      c: number;
    }>`select date '2018-06-07' as d, 399.3::numeric as n, count(*) as c from (values (1), (2)) v(x)`
      .execute(scoped.db)
      .then((r) => r.rows[0]);
    expect(row).toEqual({ d: '2018-06-07', n: '399.3', c: 2 });
  });

  it('counts every statement a scoped database runs', async () => {
    const scoped = database.forSchema<Record<string, never>>(hub.schema('kit'));
    const { statements } = await scoped.counter.measure(async () => {
      await sql`select 1`.execute(scoped.db);
      await sql`select 2`.execute(scoped.db);
    });
    expect(statements).toBe(2);
  });

  it('refuses schema names that are not plain identifiers', () => {
    expect(() => database.forSchema('geo; drop table x')).toThrow(/Invalid schema name/);
  });
});

describe('Date scalar parsing', () => {
  it('accepts real calendar dates only', () => {
    expect(parseIsoDate('2018-06-01')).toBe('2018-06-01');
    expect(() => parseIsoDate('2018-02-30')).toThrow(/does not exist/);
    expect(() => parseIsoDate('01/06/2018')).toThrow(/ISO 8601/);
  });
});

describe('seeding on start', () => {
  it('reseeds only when the data, db code or sources changed since the last seed', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { GraphQLObjectType, GraphQLSchema, GraphQLString } = await import('graphql');
    const { prepareSubgraph } = await import('./subgraph-runtime.js');
    const { uniqueSchemaName } = await import('./testing.js');
    const root = mkdtempSync(`${tmpdir()}/kit-seed-`);
    try {
      mkdirSync(`${root}/data`);
      writeFileSync(`${root}/data/rows.csv`, 'code\nQJM\n');
      let seeds = 0;
      const definition = {
        name: 'fingerprinted',
        schema: new GraphQLSchema({
          query: new GraphQLObjectType({ name: 'Query', fields: { code: { type: GraphQLString } } }),
        }),
        migrations: {},
        packageRoot: new URL(`file://${root}/`),
        seed: async () => ({ rows: ++seeds }),
      };
      const schema = uniqueSchemaName('seedfp');
      await sql`create schema ${sql.id(schema)}`.execute(database.root);
      const first = await prepareSubgraph(definition, database, schema, 'if-changed');
      const second = await prepareSubgraph(definition, database, schema, 'if-changed');
      expect([first.seedReport, second.seedReport]).toEqual([{ rows: 1 }, null]);
      writeFileSync(`${root}/data/rows.csv`, 'code\nQJM\nQF7\n');
      expect((await prepareSubgraph(definition, database, schema, 'if-changed')).seedReport).toEqual({ rows: 2 });
      // Tests and loaders ask for a seed outright: it always runs.
      expect((await prepareSubgraph(definition, database, schema, true)).seedReport).toEqual({ rows: 3 });
      await database.dropSchema(schema);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('an embedded database on disk', () => {
  it('is refused to a second process while the first has it open, and taken over when that one died', async () => {
    const { spawn } = await import('node:child_process');
    const { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { openDatabase } = await import('./db.js');
    const { lockPgliteDataDir } = await import('./pglite-lock.js');
    const dir = mkdtempSync(`${tmpdir()}/kit-lock-`);
    const dataDir = `${dir}/hub`;
    // Another live process (as `npm start` would be) holds the lock.
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      writeFileSync(`${dataDir}.lock`, String(other.pid));
      await expect(openDatabase({ pgliteDataDir: dataDir })).rejects.toThrow(
        `The embedded database ${dataDir} is in use by process ${other.pid} (npm start?)`,
      );
      other.kill();
      await new Promise((resolve) => other.once('exit', resolve));
      // Its owner is gone: the lock is stale and this process takes it, then gives it back.
      const lock = lockPgliteDataDir(dataDir);
      expect(readFileSync(`${dataDir}.lock`, 'utf8')).toBe(String(process.pid));
      lock.release();
      expect(existsSync(`${dataDir}.lock`)).toBe(false);
    } finally {
      other.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a new embedded database directory', () => {
  it('starts as a real cluster that keeps what is written across a reopen', async () => {
    const { mkdtempSync, rmSync, existsSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { openDatabase } = await import('./db.js');
    const { sql } = await import('kysely');
    const dir = mkdtempSync(`${tmpdir()}/kit-fresh-`);
    const dataDir = `${dir}/hub`;
    try {
      const first = await openDatabase({ pgliteDataDir: dataDir });
      // Loaded from the cached initdb template when there is one; either way a full cluster on disk.
      expect(existsSync(`${dataDir}/PG_VERSION`)).toBe(true);
      await sql`create table kept (note text)`.execute(first.root);
      await sql`insert into kept values ('written before the reopen')`.execute(first.root);
      await first.close();
      const again = await openDatabase({ pgliteDataDir: dataDir });
      const { rows } = await sql<{ note: string }>`select note from kept`.execute(again.root);
      expect(rows).toEqual([{ note: 'written before the reopen' }]);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

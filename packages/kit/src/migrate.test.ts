import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubDatabase, openDatabase } from './db.js';
import { type MigrationSet, migrateSchema } from './migrate.js';
import { testDatabaseUrl, uniqueSchemaName } from './testing.js';

let database: HubDatabase;
const schemas: string[] = [];
beforeAll(async () => {
  database = await openDatabase({ url: testDatabaseUrl() });
});
afterAll(async () => {
  for (const schema of schemas) await database.dropSchema(schema);
  await database.close();
});

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against Kysely<any>, frozen in time
type AnyDb = Kysely<any>;
const release1: MigrationSet = {
  '2026_01_01_001_thing': {
    up: async (db: AnyDb) =>
      void (await db.schema
        .createTable('thing')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .execute()),
  },
};
const release2: MigrationSet = {
  ...release1,
  '2026_02_01_001_thing_note': {
    up: async (db: AnyDb) => void (await db.schema.alterTable('thing').addColumn('note', 'text').execute()),
  },
};

async function columnsOf(schema: string): Promise<string[]> {
  const { rows } = await sql<{
    column_name: string;
  }>`select column_name from information_schema.columns where table_schema = ${schema} and table_name = 'thing' order by ordinal_position`.execute(
    database.root,
  );
  return rows.map((r) => r.column_name);
}

describe('migrations during a rolling update', () => {
  it('lets an older release start on a schema a newer one has expanded, and never runs what it does not know', async () => {
    const schema = uniqueSchemaName('migahead');
    schemas.push(schema);
    const scoped = database.forSchema(schema).db;
    expect(await migrateSchema(scoped, schema, release1)).toEqual({ applied: ['2026_01_01_001_thing'], ahead: [] });
    expect(await migrateSchema(scoped, schema, release2)).toEqual({
      applied: ['2026_02_01_001_thing_note'],
      ahead: [],
    });
    // An old replica restarting (or a rollback) mid-rollout: Kysely alone calls this history corrupt.
    expect(await migrateSchema(scoped, schema, release1)).toEqual({
      applied: [],
      ahead: ['2026_02_01_001_thing_note'],
    });
    expect(await columnsOf(schema)).toEqual(['id', 'note']);
  });

  it('refuses a history whose unknown migration predates the code: a migration was renamed or deleted', async () => {
    const schema = uniqueSchemaName('migdiverged');
    schemas.push(schema);
    const scoped = database.forSchema(schema).db;
    await migrateSchema(scoped, schema, release2);
    const renamed: MigrationSet = {
      '2026_01_01_001_thing': release1['2026_01_01_001_thing'] as MigrationSet[string],
      '2026_03_01_001_thing_note_renamed': release2['2026_02_01_001_thing_note'] as MigrationSet[string],
    };
    await expect(migrateSchema(scoped, schema, renamed)).rejects.toThrow(
      `Schema '${schema}' has run migration(s) 2026_02_01_001_thing_note that this code does not have, older than its latest (2026_03_01_001_thing_note_renamed)`,
    );
  });
});

import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { citationColumns } from './migration-columns.js';
import { citationOf, SOURCE } from './sources.js';
import { createTestHub, type TestHub } from './testing.js';

const LEAD = {
  source_document: SOURCE.TRACKER,
  source_line: 822,
  source_text: '**Lead:** Allan Kitt, South West Lincolnshire CCG',
};

let hub: TestHub;
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against Kysely<any>, frozen in time
let db: Kysely<any>;
let schema: string;

beforeAll(async () => {
  hub = await createTestHub();
  const scoped = await hub.newSchema('citecols');
  db = scoped.db;
  schema = scoped.schema;
});
afterAll(() => hub.close());

async function columnsOf(table: string): Promise<string[]> {
  const { rows } = await sql<{ column_name: string; data_type: string; is_nullable: string }>`
    select column_name, data_type, is_nullable from information_schema.columns
    where table_schema = ${schema} and table_name = ${table} order by ordinal_position`.execute(db);
  return rows.map((r) => `${r.column_name} ${r.data_type}${r.is_nullable === 'NO' ? ' not null' : ''}`);
}

/** The insert's error, or null: a refused row is a constraint doing its job. */
const refusal = (table: string, row: Record<string, unknown>) =>
  db
    .insertInto(table)
    .values(row)
    .execute()
    .then(
      () => null,
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );

describe('citationColumns', () => {
  it('adds the columns the hand-written migrations declare, which citationOf reads back', async () => {
    await db.schema
      .createTable('helper_fact')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .$call(citationColumns())
      .$call(citationColumns({ prefix: 'heading', document: false }))
      .execute();
    // 2026_11_23_001_finance.ts wrote these by hand for financial_fact and stp_finance's heading.
    await db.schema
      .createTable('hand_fact')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('source_document', 'text', (c) => c.notNull())
      .addColumn('source_line', 'integer', (c) => c.notNull())
      .addColumn('source_text', 'text', (c) => c.notNull())
      .addColumn('heading_line', 'integer', (c) => c.notNull())
      .addColumn('heading_text', 'text', (c) => c.notNull())
      .execute();
    expect(await columnsOf('helper_fact')).toEqual(await columnsOf('hand_fact'));
    expect(await columnsOf('helper_fact')).toEqual([
      'id text not null',
      'source_document text not null',
      'source_line integer not null',
      'source_text text not null',
      'heading_line integer not null',
      'heading_text text not null',
    ]);
    await db
      .insertInto('helper_fact')
      .values({ id: 'x', ...LEAD, heading_line: 817, heading_text: 'LINCOLNSHIRE' })
      .execute();
    const row = (await db.selectFrom('helper_fact').selectAll().executeTakeFirstOrThrow()) as typeof LEAD & {
      heading_line: number;
      heading_text: string;
    };
    expect(citationOf(row)).toEqual({ document: SOURCE.TRACKER, line: 822, text: LEAD.source_text });
    expect(citationOf(row, 'heading', SOURCE.TRACKER)).toEqual({
      document: SOURCE.TRACKER,
      line: 817,
      text: 'LINCOLNSHIRE',
    });
  });

  it('leaves the text to another column when told (the scaffold keeps it in statement)', async () => {
    await db.schema
      .createTable('statement_fact')
      .addColumn('statement', 'text', (c) => c.notNull())
      .$call(citationColumns({ text: false }))
      .execute();
    expect(await columnsOf('statement_fact')).toEqual([
      'statement text not null',
      'source_document text not null',
      'source_line integer not null',
    ]);
  });

  it('refuses a line before the first, and half of an optional citation', async () => {
    await db.schema
      .createTable('organisation_like')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .$call(citationColumns())
      .$call(citationColumns({ prefix: 'ods_source', optional: true }))
      .execute();
    expect(await columnsOf('organisation_like')).toEqual([
      'id text not null',
      'source_document text not null',
      'source_line integer not null',
      'source_text text not null',
      'ods_source_document text',
      'ods_source_line integer',
      'ods_source_text text',
    ]);
    const cited = LEAD;
    expect(await refusal('organisation_like', { id: 'a', ...cited })).toBeNull();
    expect(
      await refusal('organisation_like', {
        id: 'b',
        ...cited,
        ods_source_document: 'd',
        ods_source_line: 3,
        ods_source_text: 't',
      }),
    ).toBeNull();
    expect(await refusal('organisation_like', { id: 'c', ...cited, source_line: 0 })).toMatch(/check constraint/);
    expect(await refusal('organisation_like', { id: 'd', ...cited, ods_source_line: 3 })).toMatch(
      /ods_source_citation_whole/,
    );
    expect(await refusal('organisation_like', { id: 'e', ...cited, source_text: null })).toMatch(/null/);
  });
});

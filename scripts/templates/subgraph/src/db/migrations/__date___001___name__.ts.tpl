import { citationColumns } from '@nhs-hub/kit/subgraph';
import type { Kysely } from 'kysely';

// Written against Kysely<any> so it stays frozen in time whatever the types become (citationColumns
// never changes what a call adds, so it stays frozen with it).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('__name___fact')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('stp_code', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'numeric')
    .addColumn('unit', 'text')
    .addColumn('qualifier', 'text')
    .addColumn('statement', 'text', (c) => c.notNull())
    // source_document and source_line; the verbatim text on that line is the statement itself.
    .$call(citationColumns({ text: false }))
    .execute();
  await db.schema.createIndex('__name___fact_stp').on('__name___fact').columns(['stp_code', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('__name___fact').execute();
}

import type { Kysely } from 'kysely';

// Written against Kysely<any> so it stays frozen in time whatever the types become.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('workforce_fact')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('stp_code', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'numeric')
    .addColumn('unit', 'text')
    .addColumn('qualifier', 'text')
    .addColumn('statement', 'text', (c) => c.notNull())
    .addColumn('source_document', 'text', (c) => c.notNull())
    .addColumn('source_line', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('workforce_fact_stp').on('workforce_fact').columns(['stp_code', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('workforce_fact').execute();
}

import type { Kysely } from 'kysely';

// Written against Kysely<any> so it stays frozen in time whatever the table types become.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('stp_finance')
    .addColumn('stp_code', 'text', (c) => c.primaryKey())
    .addColumn('tracker_name', 'text', (c) => c.notNull())
    .addColumn('heading_line', 'integer', (c) => c.notNull())
    .addColumn('heading_text', 'text', (c) => c.notNull())
    .addColumn('horizon', 'text', (c) => c.notNull())
    // Money is numeric (exact), never a float.
    .addColumn('healthcare_gbp_m', 'numeric')
    .addColumn('social_care_gbp_m', 'numeric')
    .addColumn('combined_gbp_m', 'numeric')
    .addColumn('proposed_savings_gbp_m', 'numeric')
    .addColumn('capital_required_gbp_m', 'numeric')
    .addColumn('flags', 'jsonb', (c) => c.notNull())
    .addColumn('checks', 'jsonb', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('financial_fact')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('stp_code', 'text', (c) => c.notNull().references('stp_finance.stp_code'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('amount_gbp_m', 'numeric')
    .addColumn('amount_as_stated', 'text')
    .addColumn('source_document', 'text', (c) => c.notNull())
    .addColumn('source_line', 'integer', (c) => c.notNull())
    .addColumn('source_text', 'text', (c) => c.notNull())
    .addColumn('flags', 'jsonb', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('financial_fact_stp').on('financial_fact').column('stp_code').execute();

  await db.schema
    .createTable('region_fact')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('region_code', 'text', (c) => c.notNull())
    .addColumn('proposed_region_name', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('value', 'numeric', (c) => c.notNull())
    .addColumn('value_as_stated', 'text', (c) => c.notNull())
    .addColumn('unit', 'text', (c) => c.notNull())
    .addColumn('source_document', 'text', (c) => c.notNull())
    .addColumn('source_line', 'integer', (c) => c.notNull())
    .addColumn('source_text', 'text', (c) => c.notNull())
    .addColumn('flags', 'jsonb', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('region_fact_region').on('region_fact').column('region_code').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['region_fact', 'financial_fact', 'stp_finance']) await db.schema.dropTable(table).execute();
}

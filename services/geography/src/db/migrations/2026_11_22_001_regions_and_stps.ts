import { type Kysely, sql } from 'kysely';

// Written against Kysely<any> so it stays frozen in time whatever the table types become.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('region')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('ons_code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('valid_from', 'date', (c) => c.notNull())
    .addColumn('valid_to', 'date')
    .addColumn('valid_from_certainty', 'text', (c) => c.notNull())
    .addColumn('source_line', 'integer', (c) => c.notNull())
    .addColumn('source_text', 'text', (c) => c.notNull())
    .addCheckConstraint('region_validity', sql`valid_to is null or valid_to >= valid_from`)
    .execute();

  await db.schema
    .createTable('stp')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('ons_code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('official_name', 'text', (c) => c.notNull())
    .addColumn('official_source_document', 'text', (c) => c.notNull())
    .addColumn('official_source_line', 'integer', (c) => c.notNull())
    .addColumn('official_source_text', 'text', (c) => c.notNull())
    .addColumn('tracker_heading_line', 'integer')
    .addColumn('tracker_heading_text', 'text')
    .addColumn('tracker_match_note', 'text')
    .addColumn('population', 'integer')
    .addColumn('population_line', 'integer')
    .addColumn('population_text', 'text')
    .addColumn('valid_from', 'date')
    .addColumn('valid_from_stated', 'text')
    .addColumn('valid_to', 'date')
    .addColumn('valid_to_stated', 'text')
    .addColumn('successor_code', 'text', (c) => c.references('stp.code'))
    .addCheckConstraint('stp_population_positive', sql`population is null or population > 0`)
    .execute();

  await db.schema
    .createTable('stp_ons_code')
    .addColumn('ons_code', 'text', (c) => c.primaryKey())
    .addColumn('stp_code', 'text', (c) => c.notNull().references('stp.code'))
    .addColumn('valid_from_stated', 'text')
    .addColumn('valid_to_stated', 'text')
    .addColumn('note', 'text', (c) => c.notNull())
    .addColumn('source_document', 'text', (c) => c.notNull())
    .addColumn('source_line', 'integer', (c) => c.notNull())
    .addColumn('source_text', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('stp_region_membership')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('stp_code', 'text', (c) => c.notNull().references('stp.code'))
    .addColumn('region_code', 'text', (c) => c.notNull().references('region.code'))
    .addColumn('valid_from', 'date')
    .addColumn('valid_to', 'date')
    .addColumn('basis', 'text', (c) => c.notNull().check(sql`basis in ('STATED', 'INFERRED')`))
    .addColumn('explanation', 'text', (c) => c.notNull())
    .addColumn('source_document', 'text', (c) => c.notNull())
    .addColumn('source_line', 'integer', (c) => c.notNull())
    .addColumn('source_text', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('stp_region_membership_stp').on('stp_region_membership').column('stp_code').execute();
  await db.schema
    .createIndex('stp_region_membership_region')
    .on('stp_region_membership')
    .column('region_code')
    .execute();

  await db.schema
    .createTable('ics_designation')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('stp_code', 'text', (c) => c.notNull().references('stp.code'))
    .addColumn('ics_name', 'text', (c) => c.notNull())
    .addColumn('wave', 'text', (c) => c.notNull().check(sql`wave in ('FIRST_WAVE', 'SECOND_WAVE')`))
    .addColumn('covers_whole_stp', 'boolean', (c) => c.notNull())
    .addColumn('list_line', 'integer', (c) => c.notNull())
    .addColumn('list_text', 'text', (c) => c.notNull())
    .addColumn('wave_line', 'integer', (c) => c.notNull())
    .addColumn('wave_text', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ics_designation_stp').on('ics_designation').column('stp_code').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['ics_designation', 'stp_region_membership', 'stp_ons_code', 'stp', 'region']) {
    await db.schema.dropTable(table).execute();
  }
}

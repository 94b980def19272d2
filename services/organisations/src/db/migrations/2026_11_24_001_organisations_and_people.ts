import { type Kysely, sql } from 'kysely';

// Written against Kysely<any> so it stays frozen in time whatever the table types become.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('organisation')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('position', 'integer', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) =>
      c
        .notNull()
        .check(sql`kind in ('CCG', 'NHS_TRUST', 'NHS_FOUNDATION_TRUST', 'LOCAL_AUTHORITY', 'NATIONAL_BODY', 'OTHER')`),
    )
    .addColumn('kind_rule', 'text', (c) => c.notNull())
    .addColumn('kind_rule_explanation', 'text', (c) => c.notNull())
    .addColumn('ods_code', 'text')
    .addColumn('ods_source_document', 'text')
    .addColumn('ods_source_line', 'integer')
    .addColumn('ods_source_text', 'text')
    .addColumn('flags', 'jsonb', (c) => c.notNull())
    // A code is only ever stored with the line it was read from.
    .addCheckConstraint(
      'organisation_ods_cited',
      sql`(ods_code is null) = (ods_source_document is null) and (ods_code is null) = (ods_source_line is null) and (ods_code is null) = (ods_source_text is null)`,
    )
    .execute();
  await db.schema.createIndex('organisation_kind').on('organisation').column('kind').execute();

  await db.schema
    .createTable('organisation_source')
    .addColumn('organisation_id', 'text', (c) => c.notNull().references('organisation.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('source_document', 'text', (c) => c.notNull())
    .addColumn('source_line', 'integer', (c) => c.notNull())
    .addColumn('source_text', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('organisation_source_pk', ['organisation_id', 'position'])
    .execute();

  await db.schema
    .createTable('person')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('position', 'integer', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('honorific_prefix', 'text')
    .addColumn('given_name', 'text', (c) => c.notNull())
    .addColumn('family_name', 'text', (c) => c.notNull())
    .addColumn('post_nominals', 'text')
    .addColumn('name_without_honorifics', 'text', (c) => c.notNull())
    .addColumn('flags', 'jsonb', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('role')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('position', 'integer', (c) => c.notNull().unique())
    .addColumn('person_id', 'text', (c) => c.notNull().references('person.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('stp_code', 'text')
    .addColumn('region_code', 'text')
    .addColumn('affiliation_as_written', 'text')
    .addColumn('stated_on', 'text', (c) => c.notNull())
    .addColumn('stated_on_source_document', 'text')
    .addColumn('stated_on_source_line', 'integer')
    .addColumn('stated_on_source_text', 'text')
    .addColumn('source_document', 'text', (c) => c.notNull())
    .addColumn('source_line', 'integer', (c) => c.notNull())
    .addColumn('source_text', 'text', (c) => c.notNull())
    .addColumn('name_line', 'integer', (c) => c.notNull())
    .addColumn('flags', 'jsonb', (c) => c.notNull())
    .addCheckConstraint('role_stp_lead_has_stp', sql`kind <> 'STP_LEAD' or stp_code is not null`)
    .execute();
  await db.schema.createIndex('role_person').on('role').column('person_id').execute();
  await db.schema.createIndex('role_stp').on('role').columns(['stp_code', 'kind']).execute();
  await db.schema.createIndex('role_region').on('role').column('region_code').execute();

  await db.schema
    .createTable('role_organisation')
    .addColumn('role_id', 'text', (c) => c.notNull().references('role.id'))
    .addColumn('organisation_id', 'text', (c) => c.notNull().references('organisation.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('role_organisation_pk', ['role_id', 'organisation_id'])
    .execute();
  await db.schema
    .createIndex('role_organisation_organisation')
    .on('role_organisation')
    .column('organisation_id')
    .execute();

  await db.schema
    .createTable('region_leadership_note')
    .addColumn('region_code', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull())
    .addColumn('source_document', 'text', (c) => c.notNull())
    .addColumn('source_line', 'integer', (c) => c.notNull())
    .addColumn('source_text', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('region_leadership_note_pk', ['region_code', 'position'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'region_leadership_note',
    'role_organisation',
    'role',
    'person',
    'organisation_source',
    'organisation',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}

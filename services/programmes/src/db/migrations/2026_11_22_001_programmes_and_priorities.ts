import { type Kysely, sql } from 'kysely';

// Written against Kysely<any> so it stays frozen in time whatever the table types become.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('programme')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('position', 'integer', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('programme_source')
    .addColumn('programme_code', 'text', (c) => c.notNull().references('programme.code'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('source_document', 'text', (c) => c.notNull())
    .addColumn('source_line', 'integer', (c) => c.notNull())
    .addColumn('source_text', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('programme_source_pk', ['programme_code', 'position'])
    .execute();

  await db.schema
    .createTable('priority')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('stp_code', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('FOCUS', 'LINCOLNSHIRE_PRIORITY', 'WORK_STREAM')`))
    .addColumn('parent_id', 'text', (c) => c.references('priority.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('sort_key', 'integer', (c) => c.notNull())
    .addColumn('section_number', 'text')
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('summary', 'text')
    .addColumn('summary_line', 'integer')
    .addColumn('source_document', 'text', (c) => c.notNull())
    .addColumn('source_line', 'integer', (c) => c.notNull())
    .addColumn('source_text', 'text', (c) => c.notNull())
    .addColumn('flag_code', 'text')
    .addColumn('flag_explanation', 'text')
    .addCheckConstraint('priority_work_stream_parent', sql`(kind = 'WORK_STREAM') = (parent_id is not null)`)
    .addUniqueConstraint('priority_order', ['stp_code', 'sort_key'])
    .execute();
  await db.schema.createIndex('priority_stp').on('priority').columns(['stp_code', 'sort_key']).execute();
  await db.schema.createIndex('priority_parent').on('priority').column('parent_id').execute();

  await db.schema
    .createTable('sub_point')
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('source_document', 'text', (c) => c.notNull())
    .addColumn('source_line', 'integer', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('sub_point_pk', ['owner_id', 'position'])
    .execute();

  await db.schema
    .createTable('stated_outcome')
    .addColumn('priority_id', 'text', (c) => c.notNull().references('priority.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('RESULT', 'TARGET')`))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('value', 'numeric', (c) => c.notNull())
    .addColumn('unit', 'text', (c) => c.notNull().check(sql`unit in ('PERCENT', 'COUNT', 'GBP_M', 'WEEKS', 'HOURS')`))
    .addColumn('source_document', 'text', (c) => c.notNull())
    .addColumn('source_line', 'integer', (c) => c.notNull())
    .addColumn('flag_code', 'text')
    .addColumn('flag_explanation', 'text')
    .addPrimaryKeyConstraint('stated_outcome_pk', ['priority_id', 'position'])
    .execute();

  await db.schema
    .createTable('priority_programme')
    .addColumn('priority_id', 'text', (c) => c.notNull().references('priority.id'))
    .addColumn('programme_code', 'text', (c) => c.notNull().references('programme.code'))
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('matched_text', 'text', (c) => c.notNull())
    .addColumn('matched_in', 'text', (c) => c.notNull().check(sql`matched_in in ('TITLE', 'SUB_POINT', 'SUMMARY')`))
    .addPrimaryKeyConstraint('priority_programme_pk', ['priority_id', 'programme_code'])
    .execute();
  await db.schema
    .createIndex('priority_programme_programme')
    .on('priority_programme')
    .column('programme_code')
    .execute();

  await db.schema
    .createTable('consideration')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('stp_code', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('source_document', 'text', (c) => c.notNull())
    .addColumn('source_line', 'integer', (c) => c.notNull())
    .addUniqueConstraint('consideration_order', ['stp_code', 'position'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'consideration',
    'priority_programme',
    'stated_outcome',
    'sub_point',
    'priority',
    'programme_source',
    'programme',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}

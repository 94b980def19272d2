import type { Kysely } from 'kysely';

// Pages of STPs ordered by name (the default) walk this index and stop at the page's end.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('stp_name_code').on('stp').columns(['name', 'code']).execute();
  await db.schema.createIndex('stp_population_code').on('stp').columns(['population', 'code']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('stp_population_code').execute();
  await db.schema.dropIndex('stp_name_code').execute();
}

import { qualified } from '@nhs-hub/kit/subgraph';
import { type Kysely, sql } from 'kysely';

/**
 * The tracker's considerations become loadable (npm run load -- programmes consideration <file>):
 * their order within an STP is unique at commit, so a load may renumber them in any order, and its
 * own check (positions run 1, 2, 3...) refuses in plain words first.
 */
// Written against Kysely<any> so it stays frozen in time whatever the table types become.
export async function up(db: Kysely<any>): Promise<void> {
  const consideration = qualified(db, 'consideration');
  await sql`alter table ${consideration} drop constraint consideration_order`.execute(db);
  await sql`alter table ${consideration} add constraint consideration_order unique (stp_code, position)
    deferrable initially deferred`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  const consideration = qualified(db, 'consideration');
  await sql`alter table ${consideration} drop constraint consideration_order`.execute(db);
  await sql`alter table ${consideration} add constraint consideration_order unique (stp_code, position)`.execute(db);
}

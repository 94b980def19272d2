import { qualified } from '@nhs-hub/kit/subgraph';
import { type Kysely, sql } from 'kysely';

/**
 * Regions become loadable (npm run load -- geography region <file>):
 *
 * - A region cites a line of any source document (a stated opening date from a board paper, say),
 *   not only the regions list: `source_document`, the regions list for every row seeded before.
 * - Its ONS code is unique at commit and memberships' references to it are checked at commit, so a
 *   load's own checks refuse in plain words first (a code two regions share, a region deleted that
 *   memberships still name) where the database would refuse with a constraint's name.
 */
// Written against Kysely<any> so it stays frozen in time whatever the table types become.
export async function up(db: Kysely<any>): Promise<void> {
  const region = qualified(db, 'region');
  await sql`alter table ${region} add column source_document text not null
    default 'reference/nhs-england-regions.csv'`.execute(db);
  await sql`alter table ${region} alter column source_document drop default`.execute(db);
  await sql`alter table ${region} drop constraint region_ons_code_key`.execute(db);
  await sql`alter table ${region} add constraint region_ons_code_key unique (ons_code) deferrable initially deferred`.execute(
    db,
  );
  await sql`alter table ${qualified(db, 'stp_region_membership')}
    alter constraint stp_region_membership_region_code_fkey deferrable initially deferred`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  const region = qualified(db, 'region');
  await sql`alter table ${qualified(db, 'stp_region_membership')}
    alter constraint stp_region_membership_region_code_fkey not deferrable`.execute(db);
  await sql`alter table ${region} drop constraint region_ons_code_key`.execute(db);
  await sql`alter table ${region} add constraint region_ons_code_key unique (ons_code)`.execute(db);
  await sql`alter table ${region} drop column source_document`.execute(db);
}

import { qualified } from '@nhs-hub/kit/subgraph';
import { type Kysely, sql } from 'kysely';

/**
 * The national programmes and the lines naming them become loadable (npm run load -- programmes
 * programme|programme_source <file>): a programme's position is unique at commit (a load may
 * renumber), and the references to a programme are checked at commit, so the loads' own checks
 * refuse in plain words first (a programme deleted that lines or matches still name, a line naming
 * a programme there is not) where the database would refuse with a constraint's name.
 */
// Written against Kysely<any> so it stays frozen in time whatever the table types become.
export async function up(db: Kysely<any>): Promise<void> {
  const programme = qualified(db, 'programme');
  await sql`alter table ${programme} drop constraint programme_position_key`.execute(db);
  await sql`alter table ${programme} add constraint programme_position_key unique (position) deferrable initially deferred`.execute(
    db,
  );
  for (const [table, constraint] of FOREIGN_KEYS)
    await sql`alter table ${qualified(db, table)} alter constraint ${sql.id(constraint)} deferrable initially deferred`.execute(
      db,
    );
}

const FOREIGN_KEYS = [
  ['programme_source', 'programme_source_programme_code_fkey'],
  ['priority_programme', 'priority_programme_programme_code_fkey'],
] as const;

export async function down(db: Kysely<any>): Promise<void> {
  const programme = qualified(db, 'programme');
  for (const [table, constraint] of FOREIGN_KEYS)
    await sql`alter table ${qualified(db, table)} alter constraint ${sql.id(constraint)} not deferrable`.execute(db);
  await sql`alter table ${programme} drop constraint programme_position_key`.execute(db);
  await sql`alter table ${programme} add constraint programme_position_key unique (position)`.execute(db);
}

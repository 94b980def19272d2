import { qualified, schemaOf } from '@nhs-hub/kit/subgraph';
import { type Kysely, sql } from 'kysely';

/**
 * Roles, organisations and people become loadable (npm run load -- organisations role|organisation|person <file>):
 * a load of roles writes the roles, then their organisation links and the flags derived from every
 * role, in one transaction.
 *
 * - Foreign keys into role and organisation are checked at commit, so a row can be deleted before
 *   what refers to it, and the load's own checks refuse in plain words first (an unknown person, an
 *   organisation still named or linked) where the database would refuse with a constraint's name.
 * - A loaded role, organisation or person takes the next position (the file's order says nothing about the table's).
 * - A role's flags start empty and are derived in the same release.
 */
// Written against Kysely<any> so it stays frozen in time whatever the table types become.
export async function up(db: Kysely<any>): Promise<void> {
  const schema = schemaOf(db) ?? 'public';
  for (const [table, constraint] of FOREIGN_KEYS)
    await sql`alter table ${qualified(db, table)} alter constraint ${sql.id(constraint)} deferrable initially deferred`.execute(
      db,
    );
  await sql`alter table ${qualified(db, 'role')} alter column flags set default '[]'::jsonb`.execute(db);
  await sql`create function ${sql.id(schema, 'next_position')}() returns trigger language plpgsql as $$
    begin
      if new.position is null then
        execute format('select coalesce(max(position), 0) + 1 from %I.%I', tg_table_schema, tg_table_name)
          into new.position;
      end if;
      return new;
    end $$`.execute(db);
  for (const table of POSITIONED)
    await sql`create trigger ${sql.id(`${table}_next_position`)} before insert on ${qualified(db, table)}
      for each row execute function ${sql.id(schema, 'next_position')}()`.execute(db);
}

const FOREIGN_KEYS = [
  ['role', 'role_person_id_fkey'],
  ['role_organisation', 'role_organisation_role_id_fkey'],
  ['role_organisation', 'role_organisation_organisation_id_fkey'],
  ['organisation_source', 'organisation_source_organisation_id_fkey'],
] as const;
const POSITIONED = ['role', 'organisation', 'person'] as const;

export async function down(db: Kysely<any>): Promise<void> {
  const schema = schemaOf(db) ?? 'public';
  for (const table of POSITIONED)
    await sql`drop trigger ${sql.id(`${table}_next_position`)} on ${qualified(db, table)}`.execute(db);
  await sql`drop function ${sql.id(schema, 'next_position')}()`.execute(db);
  await sql`alter table ${qualified(db, 'role')} alter column flags drop default`.execute(db);
  for (const [table, constraint] of FOREIGN_KEYS)
    await sql`alter table ${qualified(db, table)} alter constraint ${sql.id(constraint)} not deferrable`.execute(db);
}

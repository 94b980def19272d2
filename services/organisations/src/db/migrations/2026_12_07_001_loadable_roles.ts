import { qualified, schemaOf } from '@nhs-hub/kit/subgraph';
import { type Kysely, sql } from 'kysely';

/**
 * Roles become loadable (npm run load -- organisations role <file>): a load writes a role, then its
 * organisation links and the flags derived from every role, in one transaction.
 *
 * - The links' and the person's foreign keys are checked at commit, so a role can be deleted before
 *   its links, and an unknown person is refused by the load's own check, in plain words, before
 *   the database would refuse it.
 * - A loaded role takes the next position (the file's order says nothing about the table's).
 * - Its flags start empty and are derived in the same release.
 */
// Written against Kysely<any> so it stays frozen in time whatever the table types become.
export async function up(db: Kysely<any>): Promise<void> {
  const schema = schemaOf(db) ?? 'public';
  for (const [table, constraint] of [
    ['role', 'role_person_id_fkey'],
    ['role_organisation', 'role_organisation_role_id_fkey'],
    ['role_organisation', 'role_organisation_organisation_id_fkey'],
  ] as const)
    await sql`alter table ${qualified(db, table)} alter constraint ${sql.id(constraint)} deferrable initially deferred`.execute(
      db,
    );
  await sql`alter table ${qualified(db, 'role')} alter column flags set default '[]'::jsonb`.execute(db);
  await sql`create function ${sql.id(schema, 'role_next_position')}() returns trigger language plpgsql as $$
    begin
      if new.position is null then
        execute format('select coalesce(max(position), 0) + 1 from %I.role', tg_table_schema) into new.position;
      end if;
      return new;
    end $$`.execute(db);
  await sql`create trigger role_next_position before insert on ${qualified(db, 'role')}
    for each row execute function ${sql.id(schema, 'role_next_position')}()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  const schema = schemaOf(db) ?? 'public';
  await sql`drop trigger role_next_position on ${qualified(db, 'role')}`.execute(db);
  await sql`drop function ${sql.id(schema, 'role_next_position')}()`.execute(db);
  await sql`alter table ${qualified(db, 'role')} alter column flags drop default`.execute(db);
  for (const [table, constraint] of [
    ['role', 'role_person_id_fkey'],
    ['role_organisation', 'role_organisation_role_id_fkey'],
    ['role_organisation', 'role_organisation_organisation_id_fkey'],
  ] as const)
    await sql`alter table ${qualified(db, table)} alter constraint ${sql.id(constraint)} not deferrable`.execute(db);
}

import { qualified, schemaOf } from '@nhs-hub/kit/subgraph';
import { type Kysely, sql } from 'kysely';

/**
 * The lines naming each organisation become loadable (npm run load -- organisations organisation_source <file>):
 *
 * - A role keeps the line that names its organisations (`organisation_line`, as roles.csv gives it;
 *   null where the row gives none), so removing a line can be refused while a role's link rests on it.
 * - A loaded line takes the next position among its organisation's lines.
 */
// Written against Kysely<any> so it stays frozen in time whatever the table types become.
export async function up(db: Kysely<any>): Promise<void> {
  const schema = schemaOf(db) ?? 'public';
  await sql`alter table ${qualified(db, 'role')} add column organisation_line integer
    constraint role_organisation_line_positive check (organisation_line > 0)`.execute(db);
  await sql`create function ${sql.id(schema, 'organisation_source_next_position')}() returns trigger language plpgsql as $$
    begin
      if new.position is null then
        execute format('select coalesce(max(position), 0) + 1 from %I.organisation_source where organisation_id = $1',
          tg_table_schema)
          into new.position using new.organisation_id;
      end if;
      return new;
    end $$`.execute(db);
  await sql`create trigger organisation_source_next_position before insert on ${qualified(db, 'organisation_source')}
    for each row execute function ${sql.id(schema, 'organisation_source_next_position')}()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  const schema = schemaOf(db) ?? 'public';
  await sql`drop trigger organisation_source_next_position on ${qualified(db, 'organisation_source')}`.execute(db);
  await sql`drop function ${sql.id(schema, 'organisation_source_next_position')}()`.execute(db);
  await sql`alter table ${qualified(db, 'role')} drop column organisation_line`.execute(db);
}

import { qualified, schemaOf } from '@nhs-hub/kit/subgraph';
import { type Kysely, sql } from 'kysely';

/**
 * The paper's priorities become loadable (npm run load -- programmes priority <file>): a load writes
 * the priorities, then the sort keys of the whole tree and the programme matches, in one transaction.
 *
 * - The order within an STP is unique at commit, so a load can renumber the tree in any order.
 * - The references to a priority are checked at commit, so a priority can be deleted before its
 *   programme matches; the load refuses, in plain words, to delete one that still has work streams,
 *   sub-points or outcomes.
 * - A loaded priority takes the next sort key of its STP until the load numbers the tree.
 */
// Written against Kysely<any> so it stays frozen in time whatever the table types become.
export async function up(db: Kysely<any>): Promise<void> {
  const schema = schemaOf(db) ?? 'public';
  await sql`alter table ${qualified(db, 'priority')} drop constraint priority_order`.execute(db);
  await sql`alter table ${qualified(db, 'priority')} add constraint priority_order unique (stp_code, sort_key)
    deferrable initially deferred`.execute(db);
  for (const [table, constraint] of FOREIGN_KEYS)
    await sql`alter table ${qualified(db, table)} alter constraint ${sql.id(constraint)} deferrable initially deferred`.execute(
      db,
    );
  await sql`create function ${sql.id(schema, 'priority_next_sort_key')}() returns trigger language plpgsql as $$
    begin
      if new.sort_key is null then
        execute format('select coalesce(max(sort_key), 0) + 1 from %I.priority where stp_code = $1', tg_table_schema)
          into new.sort_key using new.stp_code;
      end if;
      return new;
    end $$`.execute(db);
  await sql`create trigger priority_next_sort_key before insert on ${qualified(db, 'priority')}
    for each row execute function ${sql.id(schema, 'priority_next_sort_key')}()`.execute(db);
}

const FOREIGN_KEYS = [
  ['priority', 'priority_parent_id_fkey'],
  ['stated_outcome', 'stated_outcome_priority_id_fkey'],
  ['priority_programme', 'priority_programme_priority_id_fkey'],
] as const;

export async function down(db: Kysely<any>): Promise<void> {
  const schema = schemaOf(db) ?? 'public';
  await sql`drop trigger priority_next_sort_key on ${qualified(db, 'priority')}`.execute(db);
  await sql`drop function ${sql.id(schema, 'priority_next_sort_key')}()`.execute(db);
  for (const [table, constraint] of FOREIGN_KEYS)
    await sql`alter table ${qualified(db, table)} alter constraint ${sql.id(constraint)} not deferrable`.execute(db);
  await sql`alter table ${qualified(db, 'priority')} drop constraint priority_order`.execute(db);
  await sql`alter table ${qualified(db, 'priority')} add constraint priority_order unique (stp_code, sort_key)`.execute(
    db,
  );
}

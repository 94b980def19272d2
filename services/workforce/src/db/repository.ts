import type { Kysely } from 'kysely';
import type { WorkforceDatabase, WorkforceFact } from './types.js';

type Db = Kysely<WorkforceDatabase>;

/** Every fact of the given STPs, in id order: one statement however many STPs ask. */
export async function factsOfStps(db: Db, stpCodes: readonly string[]): Promise<WorkforceFact[]> {
  if (stpCodes.length === 0) return [];
  return db
    .selectFrom('workforce_fact')
    .selectAll()
    .where('stp_code', 'in', stpCodes)
    .orderBy('stp_code')
    .orderBy('id')
    .execute();
}

export async function factsByIds(db: Db, ids: readonly string[]): Promise<WorkforceFact[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('workforce_fact').selectAll().where('id', 'in', ids).orderBy('id').execute();
}

import type { Kysely } from 'kysely';
import type { __Name__Database, __Name__Fact } from './types.js';

type Db = Kysely<__Name__Database>;

/** Every fact of the given STPs, in id order: one statement however many STPs ask. */
export async function factsOfStps(db: Db, stpCodes: readonly string[]): Promise<__Name__Fact[]> {
  if (stpCodes.length === 0) return [];
  return db
    .selectFrom('__name___fact')
    .selectAll()
    .where('stp_code', 'in', stpCodes)
    .orderBy('stp_code')
    .orderBy('id')
    .execute();
}

export async function factsByIds(db: Db, ids: readonly string[]): Promise<__Name__Fact[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('__name___fact').selectAll().where('id', 'in', ids).orderBy('id').execute();
}

import { fileURLToPath } from 'node:url';
import { loadFile, type SeedReport } from '@nhs-hub/kit';
import type { Kysely } from 'kysely';
import { factLoadable } from './loadable.js';
import type { __Name__Database } from './types.js';

export const DATA_FILE = fileURLToPath(new URL('../../data/__name__-facts.csv', import.meta.url));

/**
 * Loads data/__name__-facts.csv through the same validated, transactional upsert `npm run load`
 * uses: a bad row fails with file:line [column] and nothing is loaded.
 */
export async function seed__Name__(db: Kysely<__Name__Database>, file: string = DATA_FILE): Promise<SeedReport> {
  // The data file is the whole table: a row removed from it is removed from the database.
  const summary = await loadFile(db, factLoadable, file, { replace: true });
  return { [factLoadable.table]: summary.rows };
}

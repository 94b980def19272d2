import { fileURLToPath } from 'node:url';
import { loadFile, type SeedReport } from '@nhs-hub/kit';
import type { Kysely } from 'kysely';
import { factLoadable } from './loadable.js';
import type { WorkforceDatabase } from './types.js';

export const DATA_FILE = fileURLToPath(new URL('../../data/workforce-facts.csv', import.meta.url));

/**
 * Loads data/workforce-facts.csv through the same validated, transactional upsert `npm run load`
 * uses: a bad row fails with file:line [column] and nothing is loaded.
 */
export async function seedWorkforce(db: Kysely<WorkforceDatabase>, file: string = DATA_FILE): Promise<SeedReport> {
  // The data file is the whole table: a row removed from it is removed from the database.
  const summary = await loadFile(db, factLoadable, file, { replace: true });
  return { [factLoadable.table]: summary.rows };
}

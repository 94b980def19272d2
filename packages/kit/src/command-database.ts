import { DEFAULT_PGLITE_DATA_DIR, type HubDatabase, openDatabase } from './db.js';
import { readEnv } from './platform/env.js';
import { displayPath } from './data.js';

/**
 * Runs a command-line tool's work (load, releases, revert) on the database it is meant for: the
 * one given (tests), else the one the environment names (DATABASE_URL, else the embedded PGlite
 * that `npm start` uses), closed after. One that cannot be opened, most often an embedded database a
 * running hub holds, is said in one line and exit code 1, not a stack trace. `where` names the
 * database for people, password hidden, so nobody writes to the wrong one by surprise.
 */
export async function withCommandDatabase(
  given: HubDatabase | undefined,
  err: (line: string) => void,
  work: (database: HubDatabase, where: string) => Promise<number>,
): Promise<number> {
  const env = readEnv();
  const pgliteDataDir = env.PGLITE_DATA_DIR ?? DEFAULT_PGLITE_DATA_DIR;
  let database: HubDatabase;
  try {
    database = given ?? (await openDatabase({ url: env.DATABASE_URL, pgliteDataDir }));
  } catch (error) {
    err((error as Error).message);
    return 1;
  }
  const where =
    database.kind === 'postgres'
      ? `PostgreSQL (${redactUrl(env.DATABASE_URL)})`
      : given
        ? 'PGlite'
        : `PGlite (${displayPath(pgliteDataDir)})`;
  try {
    return await work(database, where);
  } finally {
    if (!given) await database.close();
  }
}

/** A connection string without its password, fit to print. */
export function redactUrl(url: string | undefined): string {
  if (!url) return '';
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'DATABASE_URL';
  }
}

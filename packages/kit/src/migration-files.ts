import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Migration } from 'kysely';
import type { MigrationSet } from './migrate.js';

/** A migration file's name: the date it was written, a sequence number of that day, and what it does. */
const MIGRATION_FILE = /^(\d{4}_\d{2}_\d{2}_\d{3}_[a-z0-9_]+)\.(?:ts|js)$/;

/**
 * Every migration file in a folder (`new URL('./', import.meta.url)` from its index.ts), keyed by
 * its dated name: adding a migration is adding its file, with no list to keep in step. The same
 * code reads the .ts sources (tests, `npm run dev`) and the compiled .js (dist/). Any other file in
 * the folder but index.ts is refused, so a misnamed migration cannot be silently skipped.
 */
export async function migrationsIn(folder: URL): Promise<MigrationSet> {
  const migrations: MigrationSet = {};
  const entries = readdirSync(fileURLToPath(folder)).filter(
    (entry) => !/\.(?:d\.ts|map|test\.ts|tsbuildinfo)$/.test(entry) && !/^index\.(?:ts|js)$/.test(entry),
  );
  for (const entry of entries.sort()) {
    const name = MIGRATION_FILE.exec(entry)?.[1];
    if (!name)
      throw new Error(`${fileURLToPath(new URL(entry, folder))} is not named like 2026_11_22_001_what_it_does.ts`);
    const module = (await import(pathToFileURL(fileURLToPath(new URL(entry, folder))).href)) as Partial<Migration>;
    if (typeof module.up !== 'function') throw new Error(`migration ${entry} exports no up()`);
    migrations[name] = { up: module.up, ...(module.down ? { down: module.down } : {}) };
  }
  return migrations;
}

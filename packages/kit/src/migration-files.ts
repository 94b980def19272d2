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
 *
 * A file is imported only when its migration runs: a start whose schema is current (every replica,
 * every start with unchanged code) loads none of them, nor the copy of kysely they import from disk
 * (a production bundle carries its own, scripts/bundle.ts).
 */
export function migrationsIn(folder: URL): MigrationSet {
  const migrations: MigrationSet = {};
  const entries = readdirSync(fileURLToPath(folder)).filter(
    (entry) => !/\.(?:d\.ts|map|test\.ts|tsbuildinfo)$/.test(entry) && !/^index\.(?:ts|js)$/.test(entry),
  );
  for (const entry of entries.sort()) {
    const name = MIGRATION_FILE.exec(entry)?.[1];
    if (!name)
      throw new Error(`${fileURLToPath(new URL(entry, folder))} is not named like 2026_11_22_001_what_it_does.ts`);
    const url = pathToFileURL(fileURLToPath(new URL(entry, folder))).href;
    let loading: Promise<Partial<Migration>> | undefined;
    const load = () => {
      loading ??= import(url) as Promise<Partial<Migration>>;
      return loading;
    };
    migrations[name] = {
      async up(db) {
        const { up } = await load();
        if (typeof up !== 'function') throw new Error(`migration ${entry} exports no up()`);
        await up(db);
      },
      async down(db) {
        const { down } = await load();
        if (typeof down !== 'function') throw new Error(`migration ${entry} exports no down(): it cannot be undone`);
        await down(db);
      },
    };
  }
  return migrations;
}

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import { REPO_ROOT } from './repo.js';

/**
 * The code that runs: `src` under tsx and vitest, `dist` when compiled (the image ships no src/).
 * Every workspace resolves the same way in one process, so the kit's own folder tells for all.
 */
const CODE_DIR = basename(dirname(fileURLToPath(import.meta.url)));

/**
 * What a subgraph's seed depends on: its data files, its db code (seed, parsers, types) and the
 * cited source documents. When none has changed since the last seed, `npm start` skips reseeding;
 * any change, however small, reseeds. Compiled code (`dist/`) fingerprints differently from its
 * sources, so switching between the two reseeds once.
 */
export function seedFingerprint(packageRoot: URL): string {
  const hash = createHash('sha256');
  for (const dir of [
    new URL('data/', packageRoot),
    new URL(`${CODE_DIR}/`, packageRoot),
    new URL(`file://${REPO_ROOT}infra/sources/`),
  ]) {
    for (const file of listFiles(fileURLToPath(dir))) {
      hash.update(file.slice(REPO_ROOT.length)).update('\0').update(readFileSync(file)).update('\0');
    }
  }
  return hash.digest('hex');
}

function listFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = `${dir.endsWith('/') ? dir : `${dir}/`}${name}`;
    // Build bookkeeping changes with the compiler, not with the code.
    if (name === 'node_modules' || name.endsWith('.tsbuildinfo')) return [];
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

/** The fingerprint of the last successful seed of a schema, or null. */
export async function lastSeedFingerprint(db: Kysely<unknown>, schema: string): Promise<string | null> {
  // Raw SQL is not rewritten by withSchema: name the subgraph's own schema explicitly.
  const table = sql.table(`${schema}.hub_seed`);
  await ensureSeedTable(db, schema);
  const { rows } = await sql<{ fingerprint: string }>`select fingerprint from ${table} where id = 1`.execute(db);
  return rows[0]?.fingerprint ?? null;
}

export async function recordSeedFingerprint(db: Kysely<unknown>, schema: string, fingerprint: string): Promise<void> {
  const table = sql.table(`${schema}.hub_seed`);
  await ensureSeedTable(db, schema);
  await sql`insert into ${table} (id, fingerprint) values (1, ${fingerprint}) on conflict (id) do update set fingerprint = excluded.fingerprint, seeded_at = now()`.execute(
    db,
  );
}

async function ensureSeedTable(db: Kysely<unknown>, schema: string): Promise<void> {
  // Checked first: `create table if not exists` still needs CREATE on the schema, and two sessions
  // running it at once can collide on the catalog; callers hold the schema's start-up lock.
  const { rows } = await sql<{
    found: boolean;
  }>`select to_regclass(${`${schema}.hub_seed`}) is not null as found`.execute(db);
  if (rows[0]?.found) return;
  const table = sql.table(`${schema}.hub_seed`);
  await sql`create table if not exists ${table} (id int primary key check (id = 1), fingerprint text not null, seeded_at timestamptz not null default now())`.execute(
    db,
  );
}

import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import type { HubDatabase } from './db.js';

/** Migrations keyed by their dated name, e.g. `2026_11_22_001_regions_and_stps`. */
export type MigrationSet = Record<string, Migration>;

/** What bringing a schema up to date did. */
export interface MigrationOutcome {
  /** Migrations this start applied, in order. */
  readonly applied: string[];
  /**
   * Migrations the schema already has that this code does not know: a newer release expanded the
   * schema while this (older) replica still runs. Expand/contract keeps them additive, so it serves on.
   */
  readonly ahead: string[];
}

class StaticMigrationProvider implements MigrationProvider {
  constructor(private readonly migrations: MigrationSet) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return this.migrations;
  }
}

/**
 * Brings one subgraph's schema to its latest migration. Each subgraph keeps its own migration
 * table inside its own schema, so subgraphs never see (or block) each other's history.
 */
export async function migrateToLatest<DB>(db: Kysely<DB>, schema: string, migrations: MigrationSet): Promise<string[]> {
  return (await migrateSchema(db, schema, migrations)).applied;
}

export async function migrateSchema<DB>(
  db: Kysely<DB>,
  schema: string,
  migrations: MigrationSet,
): Promise<MigrationOutcome> {
  const ahead = await migrationsAhead(db as unknown as Kysely<unknown>, schema, migrations);
  // Kysely refuses a history holding migrations it was not given ("corrupted migrations"), which
  // would stop an old replica from restarting, or a rollback, during a rolling update. Those
  // migrations have run already, so they only need a name here: their bodies are never called.
  const known: MigrationSet = { ...migrations };
  for (const name of ahead) {
    known[name] = {
      up: async () => {
        throw new Error(`Migration ${name} belongs to a newer release and is never run by this one`);
      },
    };
  }
  const migrator = new Migrator({
    db,
    provider: new StaticMigrationProvider(known),
    migrationTableSchema: schema,
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const name = failed ? ` (${failed.migrationName})` : '';
    throw new Error(`Migration of schema '${schema}' failed${name}: ${describe(error)}`);
  }
  return { applied: (results ?? []).map((r) => r.migrationName), ahead };
}

/**
 * Executed migrations this code does not know. Only ones dated after this code's own latest are
 * a newer release's; an unknown one in the middle of the history means the code and the database
 * have diverged (a migration renamed or deleted), which no replica should paper over.
 */
async function migrationsAhead(db: Kysely<unknown>, schema: string, migrations: MigrationSet): Promise<string[]> {
  const table = `${schema}.kysely_migration`;
  const { rows: exists } = await sql<{ found: boolean }>`select to_regclass(${table}) is not null as found`.execute(db);
  if (!exists[0]?.found) return [];
  const { rows } = await sql<{ name: string }>`select name from ${sql.table(table)} order by name`.execute(db);
  const unknown = rows.map((r) => r.name).filter((name) => !Object.hasOwn(migrations, name));
  const latestKnown = Object.keys(migrations).sort().at(-1) ?? '';
  const diverged = unknown.filter((name) => name <= latestKnown);
  if (diverged.length > 0) {
    throw new Error(
      `Schema '${schema}' has run migration(s) ${diverged.join(', ')} that this code does not have, older than its latest (${latestKnown}): migrations were renamed or deleted`,
    );
  }
  return unknown;
}

/**
 * Runs a subgraph's start-up work (migrate, check the seed fingerprint, seed, record it) holding a
 * PostgreSQL advisory lock keyed by the schema, so replicas starting together take turns: the
 * first seeds, the next finds the fingerprint recorded and serves without reseeding. The lock is
 * held by a connection of its own for the whole step; the work runs on other pool connections
 * (the seed opens its own transaction, which cannot nest inside one held here).
 */
export async function withSchemaLock<T>(database: HubDatabase, schema: string, work: () => Promise<T>): Promise<T> {
  // One process per embedded database (pglite-lock.ts), so there is no one to take turns with; and
  // PGlite has a single connection, which holding the lock on would starve the work itself.
  if (database.kind === 'pglite') return work();
  const key = `nhs-hub:start:${schema}`;
  return database.root.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(hashtextextended(${key}, 0))`.execute(connection);
    try {
      return await work();
    } finally {
      // A connection lost meanwhile has released the lock with itself; nothing left to undo.
      await sql`select pg_advisory_unlock(hashtextextended(${key}, 0))`.execute(connection).catch(() => undefined);
    }
  });
}

/** Migrations this code knows that the schema has not run yet (all of them when it was never migrated). */
export async function pendingMigrations<DB>(
  db: Kysely<DB>,
  schema: string,
  migrations: MigrationSet,
): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: new StaticMigrationProvider(migrations),
    migrationTableSchema: schema,
  });
  // Reads only: getMigrations never creates the schema or the migration tables.
  return (await migrator.getMigrations()).filter((m) => m.executedAt === undefined).map((m) => m.name);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';

/** Migrations keyed by their dated name, e.g. `2026_11_22_001_regions_and_stps`. */
export type MigrationSet = Record<string, Migration>;

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
  const migrator = new Migrator({
    db,
    provider: new StaticMigrationProvider(migrations),
    migrationTableSchema: schema,
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const name = failed ? ` (${failed.migrationName})` : '';
    throw new Error(`Migration of schema '${schema}' failed${name}: ${describe(error)}`);
  }
  return (results ?? []).map((r) => r.migrationName);
}

/** Migrations this code knows that the schema has not run yet (all of them when it was never migrated). */
export async function pendingMigrations<DB>(db: Kysely<DB>, schema: string, migrations: MigrationSet): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new StaticMigrationProvider(migrations), migrationTableSchema: schema });
  // Reads only: getMigrations never creates the schema or the migration tables.
  return (await migrator.getMigrations()).filter((m) => m.executedAt === undefined).map((m) => m.name);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

import { openDatabase } from './db.js';
import { readEnv } from './env.js';
import { type SubgraphDefinition, startSubgraph } from './subgraph.js';

/**
 * Runs one subgraph as its own process (how it is deployed): its own database connection,
 * migrations and seed, then serves until SIGINT/SIGTERM, finishing in-flight requests first.
 */
export async function runStandalone<DB>(definition: SubgraphDefinition<DB>, defaultPort: number): Promise<void> {
  const env = readEnv();
  const database = await openDatabase({ url: env.DATABASE_URL, pgliteDataDir: env.PGLITE_DATA_DIR });
  const running = await startSubgraph(definition, {
    database,
    schemaName: env.HUB_SCHEMA,
    port: env.PORT ?? defaultPort,
    host: process.env.HOST,
    // Replicas starting together must not all reseed: only when the data changed since the last seed.
    seed: 'if-changed',
  });
  // Plain lines on stdout whatever LOG_LEVEL says: operators (and the replica tests) read from them
  // which replica seeded and which schema changes it made.
  const schema = running.schemaName;
  if (running.migrations.applied.length > 0) console.log(`${definition.name} migrated schema ${schema}: ${running.migrations.applied.join(', ')}`);
  if (running.migrations.ahead.length > 0) {
    console.log(`${definition.name} schema ${schema} is ahead of this release (${running.migrations.ahead.join(', ')}); serving on it as an older replica`);
  }
  if (running.seedReport) {
    const rows = Object.entries(running.seedReport).map(([table, n]) => `${table}=${n}`).join(' ');
    console.log(`${definition.name} seeded schema ${schema}: ${rows}`);
  } else if (running.migrations.ahead.length > 0) {
    console.log(`${definition.name} did not reseed schema ${schema}: a newer release owns its data`);
  } else {
    console.log(`${definition.name} did not reseed schema ${schema}: data unchanged since the last seed`);
  }
  console.log(`${definition.name} subgraph ready at ${running.url} (${database.kind}, ${process.uptime().toFixed(1)} s after launch)`);
  const stop = async () => {
    await running.close();
    await database.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

import { openDatabase } from './db.js';
import { purgeGatewayCaches } from './cache-purge.js';
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
  console.log(`${definition.name} subgraph ready at ${running.url} (${database.kind})`);
  // Reseeded: answers the gateways cached from the old data must go.
  if (running.seedReport) for (const line of await purgeGatewayCaches(env)) console.log(`${definition.name}: ${line}`);
  const stop = async () => {
    await running.close();
    await database.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

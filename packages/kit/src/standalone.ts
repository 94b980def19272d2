import { noDatabase, openDatabase } from './db.js';
import { ALL_DATA_KEY, announceRelease } from './platform/cache-purge.js';
import { type HubEnv, readEnv } from './platform/env.js';
import { tuneHeap } from './platform/heap.js';
import { subgraphPort } from './repo.js';
import { describeSeedOutcome } from './releases.js';
import { prepareSubgraph, type SubgraphDefinition, startSubgraph } from './subgraph-runtime.js';
import { startTracingFromEnv, stopTracing } from './platform/tracing.js';

const SEED_MODE = { 'if-changed': 'if-changed', always: true, never: false } as const satisfies Record<
  HubEnv['HUB_SEED'],
  boolean | 'if-changed'
>;

/**
 * Runs one subgraph as its own process (how it is deployed): its own database connection,
 * migrations and seed, then serves until SIGINT/SIGTERM, finishing in-flight requests first.
 *
 *   node services/<name>/dist/server.js           serve (HUB_MIGRATE, HUB_SEED say what happens first)
 *   node services/<name>/dist/server.js migrate   migrate, seed per HUB_SEED, exit: the once-per-rollout Job
 */
export async function runStandalone<DB>(
  definition: SubgraphDefinition<DB>,
  /** @deprecated Ports live in schema/subgraphs.json; used only for a subgraph it does not list. */
  defaultPort?: number,
  args: readonly string[] = process.argv.slice(2),
): Promise<void> {
  const command = args[0] ?? 'serve';
  if (command !== 'serve' && command !== 'migrate') {
    console.error(`Unknown command '${command}'. Usage: server.js [serve|migrate]`);
    process.exit(2);
  }
  const env = readEnv();
  tuneHeap(env.HUB_HEAP_GROWING_PERCENT);
  if (definition.dataless) return runDataless(definition, env, command, defaultPort);
  const database = await openDatabase({ url: env.DATABASE_URL, pgliteDataDir: env.PGLITE_DATA_DIR });
  if (command === 'migrate') {
    process.exitCode = await migrateOnce(definition, env, database);
    return;
  }
  // Before the server starts, so its first request is traced (nothing starts unless OTEL_* says so).
  await startTracingFromEnv(env);
  const running = await startSubgraph(definition, {
    database,
    schemaName: env.HUB_SCHEMA,
    port: env.PORT ?? configuredPort(definition.name, defaultPort),
    host: env.HOST,
    // Replicas starting together must not all reseed: only when the data changed since the last seed.
    seed: SEED_MODE[env.HUB_SEED],
    migrate: env.HUB_MIGRATE,
  });
  // Plain lines on stdout whatever LOG_LEVEL says: operators (and the replica tests) read from them
  // which replica seeded and which schema changes it made.
  const schema = running.schemaName;
  if (running.migrations.applied.length > 0)
    console.log(`${definition.name} migrated schema ${schema}: ${running.migrations.applied.join(', ')}`);
  if (running.migrations.ahead.length > 0) {
    console.log(
      `${definition.name} schema ${schema} is ahead of this release (${running.migrations.ahead.join(', ')}); serving on it as an older replica`,
    );
  }
  if (running.seedReport) {
    const rows = Object.entries(running.seedReport)
      .map(([table, n]) => `${table}=${n}`)
      .join(' ');
    console.log(`${definition.name} seeded schema ${schema}: ${rows}`);
    // A line of its own: the line above is parsed (table=n pairs) by the replica tests and operators' tools.
    console.log(`${definition.name} reseed of schema ${schema}: ${describeSeedOutcome(running.seedOutcome)}`);
  } else if (running.migrations.ahead.length > 0) {
    console.log(`${definition.name} did not reseed schema ${schema}: a newer release owns its data`);
  } else {
    console.log(`${definition.name} did not reseed schema ${schema}: data unchanged since the last seed`);
  }
  // Reseeded: answers the gateways cached from the old data must go.
  if (running.seedReport)
    for (const line of await announceRelease(env, running.db, definition.name, running.seedOutcome?.release ?? null, [
      ALL_DATA_KEY,
    ]))
      console.log(`${definition.name}: ${line}`);
  console.log(
    `${definition.name} subgraph ready at ${running.url} (${database.kind}, ${process.uptime().toFixed(1)} s after launch)`,
  );
  const stop = async () => {
    await running.close();
    await database.close();
    await stopTracing();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** A subgraph with no tables (releases): no database to open or migrate; it serves until stopped. */
async function runDataless<DB>(
  definition: SubgraphDefinition<DB>,
  env: HubEnv,
  command: 'serve' | 'migrate',
  defaultPort: number | undefined,
): Promise<void> {
  if (command === 'migrate') {
    console.log(`${definition.name} owns no tables: nothing to migrate`);
    return;
  }
  await startTracingFromEnv(env);
  const running = await startSubgraph(definition, {
    database: noDatabase(),
    port: env.PORT ?? configuredPort(definition.name, defaultPort),
    host: env.HOST,
  });
  console.log(`${definition.name} subgraph ready at ${running.url} (no database of its own)`);
  const stop = async () => {
    await running.close();
    await stopTracing();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** PORT when set; otherwise the port of the subgraph's URL in schema/subgraphs.json, the one place ports are written. */
function configuredPort(name: string, fallback: number | undefined): number {
  const port = subgraphPort(name) ?? fallback;
  if (port === undefined) throw new Error(`${name} is not in schema/subgraphs.json and no PORT is set`);
  return port;
}

/**
 * The once-per-rollout Job (`server.js migrate`): migrates, seeds per HUB_SEED, and when it seeded,
 * purges the gateways' response caches, since in a deployment it is the only thing that seeds.
 * Closes the database; returns the process's exit code.
 */
export async function migrateOnce<DB>(
  definition: SubgraphDefinition<DB>,
  env: HubEnv,
  database: Awaited<ReturnType<typeof openDatabase>>,
): Promise<number> {
  const schema = env.HUB_SCHEMA ?? definition.name;
  try {
    const { scoped, seedReport, seedOutcome, migrations } = await prepareSubgraph(
      definition,
      database,
      schema,
      SEED_MODE[env.HUB_SEED],
    );
    const seeded = seedReport
      ? `${Object.entries(seedReport)
          .map(([table, n]) => `${n} ${table}`)
          .join(', ')} (${describeSeedOutcome(seedOutcome)})`
      : 'not reseeded (data unchanged or HUB_SEED=never)';
    // The Job's log is the rollout's record of which schema changes it made.
    const applied = migrations.applied.length ? `applied ${migrations.applied.join(', ')}` : 'no migration to apply';
    console.log(`${definition.name} migrated in schema ${schema} (${database.kind}); ${applied}; ${seeded}`);
    // Every gateway replica may hold answers built from the rows just replaced.
    if (seedReport)
      for (const line of await announceRelease(env, scoped.db, definition.name, seedOutcome?.release ?? null, [
        ALL_DATA_KEY,
      ]))
        console.log(`${definition.name}: ${line}`);
    return 0;
  } catch (error) {
    console.error(`${definition.name} migration failed: ${(error as Error).message}`);
    return 1;
  } finally {
    await database.close();
  }
}

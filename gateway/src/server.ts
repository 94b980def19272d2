import '@nhs-hub/kit/telemetry';
import { readFileSync } from 'node:fs';
import { readEnv, subgraphUrlOverrides } from '@nhs-hub/kit/env';
import { tuneHeap } from '@nhs-hub/kit/heap';
import { gatewayPort } from '@nhs-hub/kit/repo';
import { gatewaySettingsFromEnv, startGateway, subgraphsOf } from './gateway.js';
import { startTracingFromEnv, stopTracing } from '@nhs-hub/kit/tracing';
import { SUPERGRAPH_PATH } from './config.js';
import { explorerFromEnv } from './plugins/explorer/operations.js';
import { migrateUsage, openUsageDatabase } from './usage.js';

// The gateway on its own, in front of subgraphs that run as their own processes. It serves the
// supergraph at HUB_SUPERGRAPH_PATH (schema/supergraph.graphql by default), calling each subgraph
// at the URL composed into it unless SUBGRAPH_<NAME>_URL overrides it (e.g. SUBGRAPH_GEOGRAPHY_URL).
//
//   node dist/gateway.mjs           serve
//   node dist/gateway.mjs migrate   create the field usage tables in HUB_USAGE_DATABASE_URL, exit: its migrate Job
const command = process.argv[2] ?? 'serve';
if (command !== 'serve' && command !== 'migrate') {
  console.error(`Unknown command '${command}'. Usage: gateway [serve|migrate]`);
  process.exit(2);
}
const env = readEnv();
if (command === 'migrate') process.exit(await migrateUsage(env.HUB_USAGE_DATABASE_URL));
tuneHeap(env.HUB_HEAP_GROWING_PERCENT);
// Before the gateway starts, so its first request is traced (nothing starts unless OTEL_* says so).
await startTracingFromEnv(env);
const supergraphSdl = readFileSync(env.HUB_SUPERGRAPH_PATH ?? SUPERGRAPH_PATH, 'utf8');
const subgraphUrls = subgraphUrlOverrides(Object.keys(subgraphsOf(supergraphSdl)));
// Field usage by client is recorded only where an operator says where to keep it.
const usageDatabase = env.HUB_USAGE_DATABASE_URL ? await openUsageDatabase(env.HUB_USAGE_DATABASE_URL) : null;
const gateway = await startGateway({
  supergraphSdl,
  port: env.PORT ?? gatewayPort(),
  subgraphUrls,
  ...gatewaySettingsFromEnv(env),
  explorer: explorerFromEnv(env),
  // Deployed (HUB_MIGRATE=verify) the tables are the migrate Job's: this process runs no DDL.
  usage: usageDatabase ? { database: usageDatabase.root, migrate: env.HUB_MIGRATE } : undefined,
});
console.log(
  `Gateway ready at ${gateway.url}${gateway.cache ? ` (response cache: ${gateway.cache.kind})` : ''}${gateway.admin ? `; health, metrics and admin at ${new URL(gateway.admin.url).origin}` : ''}`,
);
const stop = async () => {
  await gateway.close();
  await usageDatabase?.close();
  await stopTracing();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

import '@nhs-hub/kit/telemetry';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ALL_DATA_KEY, localGatewayFile, purgeCdn, writeLocalGatewayFile } from '@nhs-hub/kit/cache-purge';
import { explorerFromEnv } from './plugins/explorer/operations.js';
import { DEFAULT_PGLITE_DATA_DIR, openDatabase } from '@nhs-hub/kit/db';
import { readEnv } from '@nhs-hub/kit/env';
import { adoptJwtSecret, ensureLocalSecret, localSecretFile, signDevToken } from '@nhs-hub/kit/platform';
import { tuneHeap } from '@nhs-hub/kit/heap';
import { gatewayPort } from '@nhs-hub/kit/repo';
import { startTracingFromEnv, stopTracing } from '@nhs-hub/kit/tracing';

/**
 * `npm start`: the whole hub in one process on one database (embedded PGlite unless DATABASE_URL is
 * set). Every subgraph is migrated, seeded and served on its configured port, then the gateway.
 */
const launchedAt = performance.now();
const env = readEnv();
// Development without an identity provider: a secret of its own, kept beside the embedded
// database, so `npm run token -- --scope region:director` can sign tokens this hub accepts.
const devSecret =
  !env.HUB_JWT_SECRET && !env.HUB_JWT_JWKS_URL && env.NODE_ENV !== 'production' ? localSecretFile(env) : null;
const devJwtSecret = devSecret ? ensureLocalSecret(devSecret) : null;
if (devJwtSecret) adoptJwtSecret(devJwtSecret);
// Gateway and subgraphs share this process: a key of its own lets the subgraphs answer only the
// gateway (docs/security.md) without an operator setting one.
const gatewaySecret = env.HUB_GATEWAY_SECRET ?? randomBytes(32).toString('hex');
tuneHeap(env.HUB_HEAP_GROWING_PERCENT);
// The embedded database takes seconds to boot; let it boot while the GraphQL stack loads.
const opening = openDatabase({ url: env.DATABASE_URL, pgliteDataDir: env.PGLITE_DATA_DIR ?? DEFAULT_PGLITE_DATA_DIR });
// Started before any server so that every request is traced (nothing starts unless OTEL_* says so).
const tracing = startTracingFromEnv(env);
const [
  { describeSeedOutcome, startSubgraph },
  { gatewaySettingsFromEnv, startGateway },
  { loadSubgraph, readGraphConfig, SUPERGRAPH_PATH },
] = await Promise.all([import('@nhs-hub/kit/subgraph'), import('./gateway.js'), import('./config.js')]);
const entries = readGraphConfig();
const definitions = await Promise.all(entries.map(loadSubgraph));
const database = await opening;
await tracing;

const servers: { close(): Promise<void> }[] = [];
const subgraphUrls: Record<string, string> = {};
// What the releases subgraph reads: every data subgraph, as each starts (it reads them per request).
const peers: Record<string, string> = {};
let reseeded = false;
for (const [i, entry] of entries.entries()) {
  const definition = definitions[i];
  if (!definition) continue;
  // Reseeds only what changed since the last start; a fresh database seeds everything.
  const running = await startSubgraph(definition, {
    database,
    // PORT=0 (any free port for the gateway) frees the subgraphs' ports too: a test, or a second hub beside one.
    port: env.PORT === 0 ? 0 : Number(new URL(entry.url).port),
    host: env.HOST,
    seed: 'if-changed',
    gatewaySecret,
    ...(definition.dataless ? { peers } : {}),
  });
  servers.push(running);
  subgraphUrls[entry.name] = running.url;
  if (!definition.dataless) peers[entry.name] = running.url;
  if (running.seedReport) reseeded = true;
  const loaded = definition.dataless
    ? 'no tables of its own'
    : running.seedReport
      ? Object.entries(running.seedReport)
          .map(([table, n]) => `${n} ${table}`)
          .join(', ')
      : 'data unchanged since the last seed';
  // What a reseed changed, and the loaded rows it kept (a release, not data/, last changed them).
  const outcome = running.seedReport ? describeSeedOutcome(running.seedOutcome) : '';
  console.log(`  ${entry.name.padEnd(14)} ${running.url}  (${loaded})${outcome ? `; ${outcome}` : ''}`);
}
const settings = gatewaySettingsFromEnv(env);
// `npm run load` beside this hub purges its response cache with this key, read from a file only
// this user can read (see packages/kit/src/platform/cache-purge.ts).
const purgeKey = randomBytes(24).toString('base64url');
const gateway = await startGateway({
  supergraphSdl: readFileSync(SUPERGRAPH_PATH, 'utf8'),
  port: env.PORT ?? gatewayPort(),
  subgraphUrls,
  ...settings,
  cache: settings.cache ? { ...settings.cache, purgeKey } : undefined,
  explorer: explorerFromEnv(env, devJwtSecret ? (scope) => signDevToken(devJwtSecret, [scope]) : undefined),
  gatewaySecret,
  // Field usage by client goes to the hub's own database (schema hub_usage): npm run schema:usage reads it.
  usage: { database: database.root },
});
// A cache in Redis outlives this process: answers it holds were built from the rows just replaced.
if (gateway.cache?.kind === 'redis' && reseeded) {
  await gateway.cache.purge().catch((error: Error) => {
    console.warn(`WARNING: could not purge the response cache in Redis: ${error.message}`);
  });
}
// A CDN in front (HUB_CDN_PURGE_URL) holds answers from before the reseed too.
if (reseeded && env.HUB_CDN_PURGE_URL) console.log(`  ${await purgeCdn(env, [ALL_DATA_KEY])}`);
if (gateway.cache)
  writeLocalGatewayFile(localGatewayFile(env), { url: gateway.url.replace(/\/graphql$/, ''), purgeKey });
servers.push(gateway);
const seconds = ((performance.now() - launchedAt) / 1000).toFixed(1);
console.log(
  `NHS region data hub ready at ${gateway.url} on ${database.kind === 'pglite' ? 'embedded PGlite' : 'PostgreSQL'}, response cache ${gateway.cache ? gateway.cache.kind : 'off'} (${seconds} s)`,
);

if (devSecret)
  console.log(
    `  development tokens: npm run token -- --scope region:director (signed with ${devSecret}; the explorer fills one in)`,
  );

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  // Gateway first so no new work reaches the subgraphs, then subgraphs, then the database.
  for (const server of servers.reverse()) await server.close();
  await database.close();
  await stopTracing();
  process.exit(0);
}
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

import '@nhs-hub/kit/telemetry';
import { readFileSync } from 'node:fs';
import { readEnv, startGateway } from '@nhs-hub/kit';
import { readGraphConfig, SUPERGRAPH_PATH } from './config.js';

// The gateway on its own, in front of subgraphs that run as their own processes. A subgraph's URL
// can be overridden with SUBGRAPH_<NAME>_URL (e.g. SUBGRAPH_GEOGRAPHY_URL).
const env = readEnv();
const subgraphUrls = Object.fromEntries(
  readGraphConfig().map((e) => [e.name, process.env[`SUBGRAPH_${e.name.toUpperCase()}_URL`] ?? e.url]),
);
// Deployed, the supergraph is a file mounted from a ConfigMap (HUB_SUPERGRAPH_PATH).
const gateway = await startGateway({ supergraphSdl: readFileSync(env.HUB_SUPERGRAPH_PATH ?? SUPERGRAPH_PATH, 'utf8'), port: env.PORT ?? 4000, host: env.HOST, subgraphUrls });
console.log(`Gateway ready at ${gateway.url}`);
const stop = async () => {
  await gateway.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

// One gateway (or the monolith) in a process of its own, for `npm run bench`'s deployed topology.
//   node --import tsx bench/peer.ts <hub|hub-cache|apollo-stock|apollo-tuned|hive-js|monolith>
// Reads the supergraph from BENCH_SUPERGRAPH (subgraph URLs already in it); prints "ready at <url>".
import './quiet.js';
import '@nhs-hub/kit/telemetry';
import { readFileSync } from 'node:fs';

const kind = process.argv[2];
const supergraphSdl = process.env.BENCH_SUPERGRAPH ? readFileSync(process.env.BENCH_SUPERGRAPH, 'utf8') : '';
let url: string;
// Each kind imports only its own engine, so a peer's RSS is its own and not the other engines' too.
if (kind === 'hub' || kind === 'hub-cache') {
  const { startGateway } = await import('@nhs-hub/gateway');
  url = (await startGateway({ supergraphSdl, port: 0, cache: kind === 'hub-cache' ? { ttlMs: 300_000 } : undefined }))
    .url;
} else if (kind === 'apollo-stock' || kind === 'apollo-tuned') {
  const { startApolloGateway } = await import('@nhs-hub/gateway/apollo-gateway');
  url = (await startApolloGateway({ supergraphSdl, tuned: kind === 'apollo-tuned' })).url;
} else if (kind === 'hive-js') {
  const { startHiveJs } = await import('./hive-js.js');
  url = await startHiveJs(supergraphSdl);
} else if (kind === 'monolith') {
  const { openDatabase, readEnvVars } = await import('@nhs-hub/kit/subgraph');
  const { startMonolith } = await import('./monolith.js');
  const database = await openDatabase({ url: readEnvVars(['DATABASE_URL']).DATABASE_URL });
  url = (await startMonolith(database.root, JSON.parse(process.env.BENCH_MONOLITH_SCHEMAS ?? '{}'))).url;
} else {
  throw new Error(`unknown peer ${kind}`);
}
console.log(`ready at ${url}`);
// A normal exit, so `node --cpu-prof` writes its profile.
process.once('SIGTERM', () => process.exit(0));

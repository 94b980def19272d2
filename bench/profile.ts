// npm run bench:profile: where the hub gateway's time goes, by layer. Subgraphs run in this
// process on PostgreSQL; the gateway runs in its own under `node --cpu-prof` while autocannon
// drives StpOverview at 10 clients; the profile's self time is summed per layer.
import './quiet.js';
import '@nhs-hub/kit/telemetry';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { supergraphWithUrls } from '@nhs-hub/gateway';
import { startProcess, startTestGraph, tsxArgs } from '@nhs-hub/gateway/testing';
import { loadAllSubgraphs, REPO_ROOT } from '../gateway/src/config.js';
import { load } from './load.js';

process.env.TEST_DATABASE_URL ??= process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const LAYERS: [string, RegExp][] = [
  ['Hive Router runtime (planner and executor glue)', /@graphql-hive\/router-(runtime|query-planner)/],
  [
    'Hive Gateway runtime, Mesh transports, graphql-tools',
    /@graphql-hive\/gateway-runtime|@graphql-mesh|@graphql-tools/,
  ],
  ['GraphQL Yoga, envelop, whatwg-node (HTTP to Request/Response)', /graphql-yoga|@envelop|@whatwg-node|@graphql-yoga/],
  ['graphql-js (parse, validate)', /node_modules\/graphql\//],
  ['graphql-armor (query limits)', /@escape\.tech/],
  ['hub kit (front door, auth, errors, subgraph calls)', /packages\/kit\//],
  ['Node HTTP, sockets, streams', /^node:/],
];

const graph = await startTestGraph(await loadAllSubgraphs());
const temp = mkdtempSync(join(tmpdir(), 'hub-profile-'));
const supergraphPath = join(temp, 'supergraph.graphql');
writeFileSync(
  supergraphPath,
  supergraphWithUrls(
    graph.supergraphSdl,
    Object.fromEntries(Object.entries(graph.subgraphs).map(([n, s]) => [n, s.url])),
  ),
);
const peer = startProcess({
  label: 'hub gateway under --cpu-prof',
  args: ['--cpu-prof', `--cpu-prof-dir=${temp}`, ...tsxArgs(join(REPO_ROOT, 'bench/peer.ts'), 'hub')],
  env: { BENCH_SUPERGRAPH: supergraphPath, LOG_LEVEL: 'warn' },
});
const url = await peer.ready;
const body = JSON.stringify({
  operationName: 'StpOverview',
  query: readFileSync(`${REPO_ROOT}schema/operations/StpOverview.graphql`, 'utf8'),
  variables: { code: 'QJM' },
});
await load(url, body, 10, 2); // warm
const result = await load(url, body, 10, SECONDS);
// SIGTERM, not SIGKILL: peer.ts then exits normally and node writes the profile.
await peer.stop('SIGTERM');
await graph.close();

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}
const file = readdirSync(temp).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error('no profile written');
const profile = JSON.parse(readFileSync(join(temp, file), 'utf8')) as {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
};
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const totals = new Map<string, number>();
let all = 0;
profile.samples.forEach((id, i) => {
  const node = byId.get(id);
  const micros = profile.timeDeltas[i] ?? 0;
  const name = node?.callFrame.functionName ?? '';
  const url = node?.callFrame.url ?? '';
  let layer = 'other JavaScript';
  if (name === '(idle)') layer = 'idle (waiting on subgraphs and clients)';
  else if (name === '(garbage collector)') layer = 'garbage collection';
  else if (name === '(program)') layer = 'native (V8, the router addon, libuv)';
  else
    layer =
      LAYERS.find(([, pattern]) => pattern.test(url))?.[0] ??
      (url === '' ? 'native (V8, the router addon, libuv)' : 'other JavaScript');
  totals.set(layer, (totals.get(layer) ?? 0) + micros);
  all += micros;
});
rmSync(temp, { recursive: true, force: true });
const lines = [
  `# Gateway profile ${new Date().toISOString().slice(0, 10)}`,
  '',
  `StpOverview at 10 clients for ${SECONDS} s through the hub gateway in its own process (cache off): ${result.throughputRps} req/s, p50 ${result.p50Ms} ms. Self time of the gateway process by layer (node --cpu-prof):`,
  '',
  '| layer | share of samples |',
  '| --- | --- |',
  ...[...totals]
    .sort((a, b) => b[1] - a[1])
    .map(([layer, micros]) => `| ${layer} | ${((100 * micros) / all).toFixed(1)}% |`),
];
console.log(lines.join('\n'));
writeFileSync(`${REPO_ROOT}bench/results/profile-${new Date().toISOString().slice(0, 10)}.md`, `${lines.join('\n')}\n`);
process.exit(0);

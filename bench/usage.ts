// npm run bench:usage: what recording field usage by client costs the gateway. Two gateways over
// the same subgraphs (one process, the real PostgreSQL server unless DATABASE_URL says otherwise),
// one recording usage into a throw-away schema, one not; StpOverview from 10 connections naming 10
// clients in turn, load from a separate process (autocannon), the two measured alternately, round
// after round, so a machine busy with something else weighs on both alike. Writes
// bench/results/usage-<date>.md.
import './quiet.js';
import '@nhs-hub/kit/telemetry';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { startGateway } from '@nhs-hub/gateway';
import { startTestGraph } from '@nhs-hub/gateway/testing';
import { sql } from 'kysely';
import { loadAllSubgraphs, REPO_ROOT } from '../gateway/src/config.js';
import { startLoad } from '../packages/topology/src/load.js';

process.env.TEST_DATABASE_URL ??= process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const CLIENTS = 10;
const body = JSON.stringify({
  operationName: 'StpOverview',
  query: readFileSync(`${REPO_ROOT}schema/operations/StpOverview.graphql`, 'utf8'),
  variables: { code: 'QJM' },
});

const graph = await startTestGraph(await loadAllSubgraphs());
const schema = graph.hub.schema('usage_bench');
const subgraphUrls = Object.fromEntries(Object.entries(graph.subgraphs).map(([n, s]) => [n, s.url]));
const on = await startGateway({
  supergraphSdl: graph.supergraphSdl,
  subgraphUrls,
  port: 0,
  usage: { database: graph.hub.database.root, schema },
});
const targets = { off: graph.gatewayUrl, on: on.url };
const runs: Record<keyof typeof targets, { rps: number; p50: number; cpuUs: number; non2xx: number }[]> = {
  off: [],
  on: [],
};
// Throughput on a shared machine follows whatever else runs; the CPU this process spends per
// request (gateway and subgraphs, the load generator is another process) follows far less.
const once = async (url: string, seconds: number) => {
  const cpu = process.cpuUsage();
  const r = await startLoad({ url, body, connections: CLIENTS, seconds, clients: CLIENTS }).done;
  const used = process.cpuUsage(cpu);
  return {
    rps: r.requests.total / r.duration,
    p50: r.latency.p50,
    cpuUs: (used.user + used.system) / Math.max(1, r.requests.total),
    non2xx: r.non2xx + r.errors,
  };
};
// Warm both (JIT, planner cache, connection pools) before anything counts.
for (const url of Object.values(targets)) await once(url, 2);
for (let round = 0; round < ROUNDS; round++)
  for (const which of (round % 2 ? ['on', 'off'] : ['off', 'on']) as (keyof typeof targets)[])
    runs[which].push(await once(targets[which], SECONDS));
await on.usage?.flush();

// The plugin's own work on the request path, alone: its hooks called as the runtime calls them,
// for StpOverview from 10 clients in turn, the time per request against the CPU a request costs.
const { usagePlugin } = await import('../gateway/src/plugins/usage.js');
const { HubRequest } = await import('../gateway/src/plugin.js');
const { buildSchema, parse } = (await import('node:module')).createRequire(import.meta.url)(
  'graphql',
) as typeof import('graphql');
const apiSchema = buildSchema(readFileSync(`${REPO_ROOT}schema/api.graphql`, 'utf8'));
const alone = usagePlugin({
  database: graph.hub.database.root,
  schema: graph.hub.schema('usage_alone'),
  flushIntervalMs: 3_600_000,
});
type Hook = (payload: unknown) => unknown;
const hooks = alone.runtime?.[0] as unknown as { onParams: Hook; onValidate: Hook };
const query = (JSON.parse(body) as { query: string }).query;
const documentAST = parse(query);
const requests = Array.from(
  { length: CLIENTS },
  (_, i) =>
    new HubRequest(
      { headers: { 'graphql-client-name': `load-client-${i + 1}`, 'graphql-client-version': '1.0.0' } } as never,
      {} as never,
      'bench',
      body,
      '/graphql',
    ),
);
const ITERATIONS = 200_000;
let started = 0;
for (let pass = 0; pass < 2; pass++) {
  // The first pass warms the JIT and computes the document's coordinates once.
  if (pass === 1) started = performance.now();
  for (let i = 0; i < ITERATIONS; i++) {
    const context = { hub: requests[i % CLIENTS] };
    hooks.onParams({ params: { query, operationName: 'StpOverview' }, context });
    const after = hooks.onValidate({ params: { documentAST, schema: apiSchema }, context }) as (r: {
      valid: boolean;
    }) => void;
    after({ valid: true });
  }
}
const hookUs = ((performance.now() - started) * 1000) / ITERATIONS;
await alone.close?.();
const { rows } = await sql<{ clients: number; requests: number }>`
  select count(distinct client_name)::int as clients, coalesce(sum(count), 0)::int8 as requests
  from ${sql.id(schema, 'usage')}`.execute(graph.hub.database.root);
await on.close();
await graph.close();

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] ?? 0) : ((s[s.length / 2 - 1] ?? 0) + (s[s.length / 2] ?? 0)) / 2;
};
const off = median(runs.off.map((r) => r.rps));
const onRps = median(runs.on.map((r) => r.rps));
const overhead = ((off - onRps) / off) * 100;
const cpuOff = median(runs.off.map((r) => r.cpuUs));
const cpuOn = median(runs.on.map((r) => r.cpuUs));
const cpuOverhead = ((cpuOn - cpuOff) / cpuOff) * 100;
const lines = [
  `# Field usage recording: overhead (${new Date().toISOString().slice(0, 10)})`,
  '',
  `\`npm run bench:usage\`: StpOverview, ${CLIENTS} connections naming ${CLIENTS} clients, ${ROUNDS} alternating rounds of ${SECONDS} s each, one process, ${process.env.TEST_DATABASE_URL?.startsWith('postgres') ? 'PostgreSQL' : 'PGlite'}, response cache off (every request reaches the runtime).`,
  `Machine: ${cpus().length} cores, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ')} at the end (other work on the machine weighs on both gateways alike, round by round).`,
  '',
  '| gateway | req/s per round | median req/s | median p50 ms | CPU µs per request per round | median CPU µs per request |',
  '| --- | --- | --- | --- | --- | --- |',
  ...(['off', 'on'] as const).map(
    (w) =>
      `| usage ${w === 'on' ? 'recorded' : 'not recorded'} | ${runs[w].map((r) => r.rps.toFixed(1)).join(', ')} | ${median(runs[w].map((r) => r.rps)).toFixed(1)} | ${median(runs[w].map((r) => r.p50)).toFixed(1)} | ${runs[w].map((r) => r.cpuUs.toFixed(0)).join(', ')} | ${median(runs[w].map((r) => r.cpuUs)).toFixed(0)} |`,
  ),
  '',
  `Overhead: ${cpuOverhead.toFixed(1)}% more CPU per request (target ≤ 3%); ${overhead.toFixed(1)}% less throughput, which on a shared machine is mostly the machine. Failed requests: ${[...runs.off, ...runs.on].reduce((n, r) => n + r.non2xx, 0)}.`,
  `The plugin's hooks alone (called ${ITERATIONS} times as the runtime calls them, 10 clients in turn): ${hookUs.toFixed(1)} µs per request, ${((hookUs / cpuOff) * 100).toFixed(2)}% of the ${cpuOff.toFixed(0)} µs of CPU a request costs without them.`,
  `Recorded: ${rows[0]?.requests ?? 0} requests from ${rows[0]?.clients ?? 0} clients (every request of the recording gateway, warm-up included).`,
];
console.log(lines.join('\n'));
writeFileSync(`${REPO_ROOT}bench/results/usage-${new Date().toISOString().slice(0, 10)}.md`, `${lines.join('\n')}\n`);
process.exit(0);

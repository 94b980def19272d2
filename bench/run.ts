// npm run bench: a benchmark, not a test. Starts the hub on the real PostgreSQL server
// (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test) in throw-away schemas, measures,
// prints a table and writes bench/results/<date>.md. Loopback only.
import './quiet.js';
import '@nhs-hub/kit/telemetry';
import { execSync, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { serve, type SubgraphDefinition } from '@nhs-hub/kit';
import { postGraphQL, startTestGraph, type TestGraph } from '@nhs-hub/kit/testing';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { printSubgraphSdl } from '@nhs-hub/kit';
import { loadAllSubgraphs, REPO_ROOT } from '../gateway/src/config.js';
import { load, type LoadResult } from './load.js';
import { startMonolith } from './monolith.js';
import { multiplyFinance, multiplyGeography, multiplyProgrammes } from './synthetic.js';

process.env.TEST_DATABASE_URL ??= process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = [1, 10, 50];
const op = (name: string) => readFileSync(`${REPO_ROOT}schema/operations/${name}.graphql`, 'utf8');
const bodies = {
  single: JSON.stringify({ operationName: 'StpOverview', query: op('StpOverview'), variables: { code: 'QJM' } }),
  all: JSON.stringify({ operationName: 'AllStps', query: op('AllStps'), variables: { first: 200 } }),
  page50: JSON.stringify({ operationName: 'AllStps', query: op('AllStps'), variables: { first: 50, offset: 0 } }),
};
const lines: string[] = [];
const say = (line = '') => {
  console.log(line);
  lines.push(line);
};

async function statementsFor(graph: TestGraph, body: string): Promise<number> {
  const { operationName, query, variables } = JSON.parse(body) as { operationName: string; query: string; variables: Record<string, unknown> };
  graph.resetCounters();
  const res = await fetch(graph.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ operationName, query, variables }) });
  const json = (await res.json()) as { errors?: unknown[] };
  if (json.errors) throw new Error(`bench query failed: ${JSON.stringify(json.errors).slice(0, 300)}`);
  return graph.statements();
}

async function startStockGateway(graph: TestGraph, definitions: SubgraphDefinition<unknown>[]) {
  const composed = composeServices(
    definitions.map((d) => ({ name: d.name, url: graph.subgraphs[d.name]?.url ?? '', typeDefs: parse(printSubgraphSdl(d.schema)) })),
  );
  if (!composed.supergraphSdl) throw new Error('composition failed');
  // Stock settings: the default data source (no keep-alive agent), default plugins.
  const gateway = new ApolloGateway({
    supergraphSdl: composed.supergraphSdl,
    buildService: ({ name }) => new RemoteGraphQLDataSource({ url: graph.subgraphs[name]?.url ?? '' }),
  });
  return serve({ name: 'stock-gateway', apollo: new ApolloServer({ gateway }), context: () => ({}), port: 0 });
}

/** The same supergraph through The Guild's Hive Gateway runtime, pointed at the same subgraphs. */
async function startHiveGateway(graph: TestGraph): Promise<{ url: string; close(): Promise<void> }> {
  const { createGatewayRuntime } = await import('@graphql-hive/gateway-runtime');
  let supergraph = graph.supergraphSdl;
  for (const [name, running] of Object.entries(graph.subgraphs)) {
    supergraph = supergraph.replace(new RegExp(`(name: "${name}", url: ")[^"]*"`), `$1${running.url}"`);
  }
  const runtime = createGatewayRuntime({ supergraph, logging: false });
  const server = createServer(runtime);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await runtime.dispose();
    },
  };
}

function row(label: string, r: LoadResult): string {
  return `| ${label} | ${r.connections} | ${r.p50Ms} | ${r.p97_5Ms} | ${r.throughputRps} | ${r.errors + r.non2xx} |`;
}

const definitions = await loadAllSubgraphs();

const commit = execSync('git rev-parse --short HEAD', { cwd: REPO_ROOT }).toString().trim();
say(`# Benchmark ${new Date().toISOString().slice(0, 10)}`);
say();
say(`Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; commit ${commit}; PostgreSQL at ${new URL(process.env.TEST_DATABASE_URL).host}; ${SECONDS} s per run; load from a separate autocannon process.`);
say();

const graph = await startTestGraph(definitions);
const schemaOf = (name: string) => {
  const schema = graph.subgraphs[name]?.schemaName;
  if (!schema) throw new Error(`bench needs the ${name} subgraph`);
  return schema;
};
const monolith = await startMonolith(graph.hub.database.root, { geography: schemaOf('geography'), organisations: schemaOf('organisations'), programmes: schemaOf('programmes'), finance: schemaOf('finance') });
const stock = await startStockGateway(graph, definitions);
const hive = await startHiveGateway(graph);

// 1. SQL statements per request, at the seed data and at a SYNTHETIC 100x data set.
const big = await startTestGraph(definitions);
const stpCount = await multiplyGeography(big.hub.database.root, big.subgraphs.geography?.schemaName ?? '', 100);
await multiplyProgrammes(big.hub.database.root, big.subgraphs.programmes?.schemaName ?? '', 100);
await multiplyFinance(big.hub.database.root, big.subgraphs.finance?.schemaName ?? '', 100);
const statements = {
  seed: await statementsFor(graph, bodies.all),
  synthetic: await statementsFor(big, bodies.all),
  seedOne: await statementsFor(graph, bodies.single),
  syntheticOne: await statementsFor(big, bodies.single),
};
say('## 1. SQL statements per request');
say();
say('| query | seed data (45 STPs) | SYNTHETIC 100x (' + stpCount + ' STPs) | equal |');
say('| --- | --- | --- | --- |');
say(`| AllStps (first 200: region, leads, priorities with programmes, gap with flags) | ${statements.seed} | ${statements.synthetic} | ${statements.seed === statements.synthetic ? 'yes' : 'NO'} |`);
say(`| StpOverview (QJM) | ${statements.seedOne} | ${statements.syntheticOne} | ${statements.seedOne === statements.syntheticOne ? 'yes' : 'NO'} |`);
say();

// Same answers before timing anything: the monolith must be a fair ceiling, answering the same.
for (const kind of ['single', 'all'] as const) {
  const ask = async (url: string) => JSON.stringify(await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodies[kind] })).json());
  const [viaGateway, viaMonolith, viaHive] = [await ask(graph.gatewayUrl), await ask(monolith.url), await ask(hive.url)];
  say(viaGateway === viaMonolith ? `Monolith and gateway answers to ${kind} are identical (${viaGateway.length} bytes).` : `WARNING: monolith and gateway answers to ${kind} differ:\n${viaGateway.slice(0, 2000)}\n${viaMonolith.slice(0, 2000)}`);
  say(viaGateway === viaHive ? `Hive Gateway's answer to ${kind} is identical too.` : `WARNING: Hive Gateway's answer to ${kind} differs:\n${viaHive.slice(0, 500)}`);
}
say();

// 2 and 3. Latency and throughput: tuned gateway, stock gateway, monolith.
const results: Record<string, Record<string, LoadResult[]>> = { single: {}, all: {} };
for (const kind of ['single', 'all'] as const) {
  for (const [target, url] of [
    ['monolith', monolith.url],
    ['gateway (tuned)', graph.gatewayUrl],
    ['gateway (stock)', stock.url],
    ['Hive Gateway', hive.url],
  ] as const) {
    const runs: LoadResult[] = [];
    for (const c of CONCURRENCY) runs.push(await load(url, bodies[kind], c, SECONDS));
    (results[kind] as Record<string, LoadResult[]>)[target] = runs;
  }
}
say('## 2. Latency (ms) and throughput (requests/s) through the gateway and the monolith');
say();
say('p97.5 is reported where p95 is asked for: autocannon\'s histogram has no p95 bucket; p97.5 is the stricter figure.');
for (const kind of ['single', 'all'] as const) {
  say();
  say(`### ${kind === 'single' ? 'StpOverview (one STP)' : 'AllStps (every STP with its region)'}`);
  say();
  say('| target | clients | p50 | p97.5 | req/s | errors |');
  say('| --- | --- | --- | --- | --- | --- |');
  for (const [target, runs] of Object.entries(results[kind] ?? {})) for (const r of runs) say(row(target, r));
  say();
  say('| ratio at 10 clients | p50 gateway/monolith (target <= 1.5) | throughput gateway/monolith (target >= 0.7) |');
  say('| --- | --- | --- |');
  const at10 = (t: string) => (results[kind]?.[t] ?? [])[1];
  for (const t of ['gateway (tuned)', 'gateway (stock)', 'Hive Gateway']) {
    const g = at10(t);
    const m = at10('monolith');
    if (g && m) say(`| ${t} | ${(g.p50Ms / Math.max(m.p50Ms, 0.01)).toFixed(2)} | ${(g.throughputRps / m.throughputRps).toFixed(2)} |`);
  }
}
say();

// Page of 50 at 100x vs 1x.
const page1 = await load(graph.gatewayUrl, bodies.page50, 10, SECONDS);
const page100 = await load(big.gatewayUrl, bodies.page50, 10, SECONDS);
say('## Page of 50 STPs, 10 clients: SYNTHETIC 100x against seed data (target <= 1.2)');
say();
say(`p50 ${page1.p50Ms} ms at 1x, ${page100.p50Ms} ms at 100x: ratio ${(page100.p50Ms / Math.max(page1.p50Ms, 0.01)).toFixed(2)}; throughput ratio ${(page100.throughputRps / page1.throughputRps).toFixed(2)}`);
say();

await stock.close();
await hive.close();
await monolith.close();
await big.close();
await graph.close();

// 4. Peak RSS and launch time of `npm start` on the embedded database, in a child process.
say('## 4. `npm start` on embedded PGlite: launch to first answer and peak RSS (targets <= 3 s, <= 250 MB)');
say();
const launch = await measureLaunch();
say(`First answer ${launch.firstAnswerMs} ms after launch; peak RSS ${launch.peakRssMb} MB after ${launch.requests} requests.`);

const file = `${REPO_ROOT}bench/results/${new Date().toISOString().slice(0, 10)}.md`;
writeFileSync(file, `${lines.join('\n')}\n`);
console.log(`\nWritten to ${file.replace(REPO_ROOT, '')}`);

async function measureLaunch(): Promise<{ firstAnswerMs: number; peakRssMb: number; requests: number }> {
  const started = performance.now();
  const { DATABASE_URL: _url, TEST_DATABASE_URL: _test, ...inherited } = process.env;
  const env = { ...inherited, PORT: '4000', LOG_LEVEL: 'warn' };
  const child = spawn(process.execPath, ['--conditions=@nhs-hub/source', '--import', 'tsx', 'gateway/src/hub.ts'], { cwd: REPO_ROOT, env, stdio: 'ignore' });
  let firstAnswerMs = -1;
  try {
    for (let i = 0; i < 300 && firstAnswerMs < 0; i++) {
      try {
        const res = await postGraphQL('http://127.0.0.1:4000/graphql', '{ stp(code: "QJM") { name } }');
        if (res.status === 200) firstAnswerMs = Math.round(performance.now() - started);
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const r = await load('http://127.0.0.1:4000/graphql', bodies.all, 10, 3);
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { firstAnswerMs, peakRssMb: Math.round(hwm / 1024), requests: r.requests };
  } finally {
    child.kill('SIGTERM');
  }
}

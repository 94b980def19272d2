// npm run bench: a benchmark, not a test. Starts the hub on the real PostgreSQL server
// (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test) in throw-away schemas, measures,
// prints tables and writes bench/results/<date>.md. Loopback only; load comes from a separate
// autocannon process. Run twice: everything in one process, then every subgraph and every
// gateway in a process of its own (as deployed).
import './quiet.js';
import '@nhs-hub/kit/telemetry';
import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { startApolloGateway } from '@nhs-hub/gateway/apollo-gateway';
import { startGateway, supergraphWithUrls } from '@nhs-hub/gateway';
import {
  postGraphQL,
  startProcess,
  startTestGraph,
  stopAllProcesses,
  type TestGraph,
  tsxArgs,
} from '@nhs-hub/gateway/testing';
import pg from 'pg';
import { bundleScript, HUB_NODE_FLAGS } from '@nhs-hub/kit/repo';
import { loadAllSubgraphs, readGraphConfig, REPO_ROOT } from '../gateway/src/config.js';
import { load, type LoadResult } from './load.js';
import { startMonolith } from './monolith.js';
import { startHiveJs } from './hive-js.js';
import { multiplyFinance, multiplyGeography, multiplyProgrammes } from './synthetic.js';

process.env.TEST_DATABASE_URL ??= process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DATABASE_URL = process.env.TEST_DATABASE_URL;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
// Sections 3 and 4 run the compiled processes a deployment runs: bring dist/ up to the sources first.
execSync('npm run --silent build', { cwd: REPO_ROOT, stdio: 'inherit' });
const CONCURRENCY = [1, 10, 50];
const op = (name: string) => readFileSync(`${REPO_ROOT}schema/operations/${name}.graphql`, 'utf8');
const bodies = {
  single: JSON.stringify({ operationName: 'StpOverview', query: op('StpOverview'), variables: { code: 'QJM' } }),
  all: JSON.stringify({ operationName: 'AllStps', query: op('AllStps'), variables: { first: 200 } }),
  page50: JSON.stringify({ operationName: 'AllStps', query: op('AllStps'), variables: { first: 50, offset: 0 } }),
};
type Kind = 'single' | 'all';
const KINDS: Kind[] = ['single', 'all'];
const TITLE: Record<Kind, string> = {
  single: 'StpOverview (one STP)',
  all: 'AllStps (every STP with region, leads, priorities, gap)',
};
const PEERS = ['stock @apollo/gateway', 'old tuned @apollo/gateway', 'Hive Gateway (JavaScript planner)'];
const lines: string[] = [];
const say = (line = '') => {
  console.log(line);
  lines.push(line);
};
// The answer's data and errors: the hub's extensions (dataVersion) are no part of what the monolith answers.
const ask = async (url: string, body: string) => {
  const answer = (await (
    await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  ).json()) as { data?: unknown; errors?: unknown };
  return JSON.stringify({ data: answer.data, errors: answer.errors });
};

interface Target {
  readonly label: string;
  readonly url: string;
  readonly pid?: number;
}

/** Every target answers both operations byte for byte as the monolith does, or the comparison is void. */
async function checkAnswers(targets: Target[]): Promise<void> {
  for (const kind of KINDS) {
    const expected = await ask(targets[0]?.url ?? '', bodies[kind]);
    const differing = [];
    for (const t of targets.slice(1)) {
      const answer = await ask(t.url, bodies[kind]);
      if (answer === expected) continue;
      let at = 0;
      while (at < answer.length && answer[at] === expected[at]) at++;
      // Where it parts from the monolith's, so a warning says how, not only that.
      differing.push(`${t.label} (from character ${at}: ${answer.slice(Math.max(0, at - 40), at + 160)})`);
    }
    say(
      differing.length
        ? `WARNING: ${kind} answers differ from the monolith's: ${differing.join(', ')}`
        : `${TITLE[kind]}: every target's answer is identical to the monolith's (${expected.length} bytes).`,
    );
  }
  say();
}

async function measure(targets: Target[], heading: string): Promise<Record<Kind, Record<string, LoadResult[]>>> {
  const results: Record<Kind, Record<string, LoadResult[]>> = { single: {}, all: {} };
  for (const kind of KINDS) {
    for (const t of targets) {
      await ask(t.url, bodies[kind]); // warm: plans, connections, and the response cache where there is one
      const runs: LoadResult[] = [];
      for (const c of CONCURRENCY) runs.push(await load(t.url, bodies[kind], c, SECONDS));
      results[kind][t.label] = runs;
    }
  }
  say(`## ${heading}`);
  for (const kind of KINDS) {
    say();
    say(`### ${TITLE[kind]}`);
    say();
    say('| target | clients | p50 ms | p97.5 ms | req/s | errors |');
    say('| --- | --- | --- | --- | --- | --- |');
    for (const [label, runs] of Object.entries(results[kind]))
      for (const r of runs)
        say(
          `| ${label} | ${r.connections} | ${r.p50Ms} | ${r.p97_5Ms} | ${r.throughputRps} | ${r.errors + r.non2xx} |`,
        );
    say();
    const at10 = (label: string) => results[kind][label]?.[1];
    const mono = at10('monolith');
    const peerBest = PEERS.map((p) => at10(p))
      .filter((r): r is LoadResult => Boolean(r))
      .sort((a, b) => b.throughputRps - a.throughputRps)[0];
    say('| at 10 clients | req/s / monolith | p50 / monolith | req/s / best peer |');
    say('| --- | --- | --- | --- |');
    for (const label of Object.keys(results[kind])) {
      const r = at10(label);
      if (!r || !mono || label === 'monolith') continue;
      say(
        `| ${label} | ${(r.throughputRps / mono.throughputRps).toFixed(2)}x | ${(r.p50Ms / Math.max(mono.p50Ms, 0.01)).toFixed(2)}x | ${peerBest ? `${(r.throughputRps / peerBest.throughputRps).toFixed(2)}x` : '-'} |`,
      );
    }
  }
  say();
  return results;
}

const peakRssMb = (pid: number | undefined) =>
  pid ? Math.round(Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024) : 0;

const definitions = await loadAllSubgraphs();
const commit = execSync('git rev-parse --short HEAD', { cwd: REPO_ROOT }).toString().trim();
say(`# Benchmark ${new Date().toISOString().slice(0, 10)}`);
say();
say(
  `Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; commit ${commit}; PostgreSQL at ${new URL(DATABASE_URL).host}; ${SECONDS} s per run; load from a separate autocannon process; the hub's gateway is Hive Gateway with Hive Router's Rust planner (@graphql-hive/router-runtime).`,
);
say();

// ---------------------------------------------------------------------------------------------
// 1. SQL statements per request, at the seed data and at a SYNTHETIC 100x data set.
const graph = await startTestGraph(definitions);
const big = await startTestGraph(definitions);
const stpCount = await multiplyGeography(big.hub.database.root, big.subgraphs.geography?.schemaName ?? '', 100);
await multiplyProgrammes(big.hub.database.root, big.subgraphs.programmes?.schemaName ?? '', 100);
await multiplyFinance(big.hub.database.root, big.subgraphs.finance?.schemaName ?? '', 100);
async function statementsFor(g: TestGraph, body: string): Promise<number> {
  g.resetCounters();
  const answer = await ask(g.gatewayUrl, body);
  if (answer.includes('"errors"')) throw new Error(`bench query failed: ${answer.slice(0, 300)}`);
  return g.statements();
}
const statements = {
  seed: await statementsFor(graph, bodies.all),
  synthetic: await statementsFor(big, bodies.all),
  seedOne: await statementsFor(graph, bodies.single),
  syntheticOne: await statementsFor(big, bodies.single),
};
say('## 1. SQL statements per request');
say();
say(`| query | seed data (45 STPs) | SYNTHETIC 100x (${stpCount} STPs) | equal |`);
say('| --- | --- | --- | --- |');
say(
  `| AllStps (first 200) | ${statements.seed} | ${statements.synthetic} | ${statements.seed === statements.synthetic ? 'yes' : 'NO'} |`,
);
say(
  `| StpOverview (QJM) | ${statements.seedOne} | ${statements.syntheticOne} | ${statements.seedOne === statements.syntheticOne ? 'yes' : 'NO'} |`,
);
say();
const page1 = await load(graph.gatewayUrl, bodies.page50, 10, SECONDS);
const page100 = await load(big.gatewayUrl, bodies.page50, 10, SECONDS);
say(
  `Page of 50 STPs at 10 clients, SYNTHETIC 100x against seed data: p50 ${page1.p50Ms} ms -> ${page100.p50Ms} ms (ratio ${(page100.p50Ms / Math.max(page1.p50Ms, 0.01)).toFixed(2)}, target <= 1.2).`,
);
say();
await big.close();

// ---------------------------------------------------------------------------------------------
// 2. Everything in one process (subgraphs, gateways, monolith), load from another.
const schemaOf = (name: string) => graph.subgraphs[name]?.schemaName ?? '';
const monolithSchemas = {
  geography: schemaOf('geography'),
  organisations: schemaOf('organisations'),
  programmes: schemaOf('programmes'),
  finance: schemaOf('finance'),
};
{
  const monolith = await startMonolith(graph.hub.database.root, monolithSchemas);
  const cached = await startGateway({
    supergraphSdl: graph.supergraphSdl,
    subgraphUrls: Object.fromEntries(Object.entries(graph.subgraphs).map(([n, s]) => [n, s.url])),
    port: 0,
    cache: { ttlMs: 300_000 },
  });
  const stock = await startApolloGateway({ supergraphSdl: graph.supergraphSdl });
  const tuned = await startApolloGateway({ supergraphSdl: graph.supergraphSdl, tuned: true });
  const hiveJs = await startHiveJs(graph.supergraphSdl);
  const targets: Target[] = [
    { label: 'monolith', url: monolith.url },
    { label: 'hub gateway, cache off', url: graph.gatewayUrl },
    { label: 'hub gateway, warm cache', url: cached.url },
    { label: PEERS[0] ?? '', url: stock.url },
    { label: PEERS[1] ?? '', url: tuned.url },
    { label: PEERS[2] ?? '', url: hiveJs },
  ];
  await checkAnswers(targets);
  await measure(targets, '2. One process: subgraphs, every gateway and the monolith together');
  for (const s of [monolith, cached, stock, tuned]) await s.close();
}

/**
 * The bench's clients are one address sending as fast as the gateway answers: the per-client rate
 * limit would measure itself. It is off here; `npm run bench:fairness` measures it.
 */
const UNLIMITED = { HUB_RATE_LIMIT_PER_SECOND: '0' } as const;

// ---------------------------------------------------------------------------------------------
// 3. As deployed: every subgraph and every gateway in a process of its own.
const temp = mkdtempSync(join(tmpdir(), 'hub-bench-'));
const tag = randomBytes(3).toString('hex');
let gatewayRss: { cacheOff: number; cacheOn: number } = { cacheOff: 0, cacheOn: 0 };
try {
  const urls: Record<string, string> = {};
  // As the image runs them: the bundles (node dist/<name>.mjs), no TypeScript tooling in the process.
  for (const entry of readGraphConfig()) {
    const script = join(REPO_ROOT, bundleScript(entry.name));
    urls[entry.name] = await startProcess({
      label: entry.name,
      args: [script],
      cwd: REPO_ROOT,
      env: { LOG_LEVEL: 'warn', DATABASE_URL, HUB_SCHEMA: `bench_${tag}_${entry.name}`, PORT: '0' },
    }).ready;
  }
  const supergraphPath = join(temp, 'supergraph.graphql');
  writeFileSync(supergraphPath, supergraphWithUrls(graph.supergraphSdl, urls));
  const env = {
    LOG_LEVEL: 'warn',
    BENCH_SUPERGRAPH: supergraphPath,
    DATABASE_URL,
    BENCH_MONOLITH_SCHEMAS: JSON.stringify(
      Object.fromEntries(Object.keys(monolithSchemas).map((n) => [n, `bench_${tag}_${n}`])),
    ),
  };
  const peer = async (kind: string, label: string): Promise<Target> => {
    const started = startProcess({ label, args: tsxArgs(join(REPO_ROOT, 'bench/peer.ts'), kind), cwd: REPO_ROOT, env });
    return { label, url: await started.ready, ...(started.child.pid ? { pid: started.child.pid } : {}) };
  };
  // The hub gateway as the image runs it (dist/gateway.mjs); its peers are bench code under
  // tsx, which costs them about 70 MB of RSS that a compiled build would not.
  const hubGateway = async (cache: 'on' | 'off', label: string): Promise<Target> => {
    const started = startProcess({
      label,
      args: [join(REPO_ROOT, bundleScript('gateway'))],
      cwd: REPO_ROOT,
      env: {
        ...UNLIMITED,
        LOG_LEVEL: 'warn',
        HUB_SUPERGRAPH_PATH: supergraphPath,
        PORT: '0',
        HUB_CACHE: cache,
        HUB_EXPLORER: 'off',
      },
    });
    return { label, url: await started.ready, ...(started.child.pid ? { pid: started.child.pid } : {}) };
  };
  const targets = [
    await peer('monolith', 'monolith'),
    await hubGateway('off', 'hub gateway, cache off'),
    await hubGateway('on', 'hub gateway, warm cache'),
    await peer('apollo-stock', PEERS[0] ?? ''),
    await peer('apollo-tuned', PEERS[1] ?? ''),
    await peer('hive-js', PEERS[2] ?? ''),
  ];
  await checkAnswers(targets);
  await measure(targets, '3. As deployed: each subgraph and each gateway in a process of its own');
  gatewayRss = { cacheOff: peakRssMb(targets[1]?.pid), cacheOn: peakRssMb(targets[2]?.pid) };
  say(
    `Peak RSS of the hub gateway process alone, after all its runs (target <= 300 MB): ${gatewayRss.cacheOff} MB with the cache off, ${gatewayRss.cacheOn} MB with it warm. Peers: ${targets
      .slice(3)
      .map((t) => `${t.label} ${peakRssMb(t.pid)} MB`)
      .join(', ')}.`,
  );
  say();
} finally {
  await stopAllProcesses('SIGTERM');
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  for (const entry of readGraphConfig()) await client.query(`drop schema if exists bench_${tag}_${entry.name} cascade`);
  await client.end();
  rmSync(temp, { recursive: true, force: true });
}
await graph.close();

// ---------------------------------------------------------------------------------------------
// 4. `npm start` on embedded PGlite: launch to first answer, StpOverview against a stock
// @apollo/gateway in its own process over the same running subgraphs, peak RSS.
say('## 4. The hub as `npm start` runs it (one process, embedded PGlite, every plugin on)');
say();
// One untimed start first, as a user's first `npm start` after installing: it seeds the embedded
// database for this build, so both measured runs time a start with unchanged data (otherwise a
// code change since the last seed makes the first of them reseed, and its RSS counts the load).
{
  const warm = startProcess({
    label: 'npm start (seeding)',
    args: [...HUB_NODE_FLAGS, bundleScript('hub')],
    cwd: REPO_ROOT,
    env: { ...UNLIMITED, DATABASE_URL: undefined, TEST_DATABASE_URL: undefined, PORT: '4000', LOG_LEVEL: 'warn' },
    readyTimeoutMs: 120_000,
  });
  await warm.ready;
  await warm.stop('SIGTERM');
}
for (const cache of ['on', 'off'] as const) {
  const started = performance.now();
  // What `npm start` runs: the compiled hub (npm install builds it), on embedded PGlite.
  const hub = startProcess({
    label: 'npm start',
    args: [...HUB_NODE_FLAGS, bundleScript('hub')],
    cwd: REPO_ROOT,
    env: {
      ...UNLIMITED,
      DATABASE_URL: undefined,
      TEST_DATABASE_URL: undefined,
      PORT: '4000',
      LOG_LEVEL: 'warn',
      HUB_CACHE: cache,
    },
  });
  try {
    let firstAnswerMs = -1;
    for (let i = 0; i < 600 && firstAnswerMs < 0; i++) {
      try {
        if ((await postGraphQL('http://127.0.0.1:4000/graphql', '{ stp(code: "QJM") { name } }')).status === 200)
          firstAnswerMs = Math.round(performance.now() - started);
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const supergraphPath = join(tmpdir(), `hub-bench-${tag}.graphql`);
    writeFileSync(supergraphPath, readFileSync(`${REPO_ROOT}schema/supergraph.graphql`, 'utf8'));
    const stockPeer = startProcess({
      label: 'stock @apollo/gateway',
      args: tsxArgs(join(REPO_ROOT, 'bench/peer.ts'), 'apollo-stock'),
      cwd: REPO_ROOT,
      env: { LOG_LEVEL: 'warn', BENCH_SUPERGRAPH: supergraphPath },
    });
    try {
      const stockUrl = await stockPeer.ready;
      const hubRun = await load('http://127.0.0.1:4000/graphql', bodies.single, 10, SECONDS);
      const stockRun = await load(stockUrl, bodies.single, 10, SECONDS);
      const all = await load('http://127.0.0.1:4000/graphql', bodies.all, 10, 3);
      say(
        `Response cache ${cache}: first answer ${firstAnswerMs} ms after launch; StpOverview at 10 clients ${hubRun.throughputRps} req/s (p50 ${hubRun.p50Ms} ms) against a stock @apollo/gateway in its own process over the same subgraphs ${stockRun.throughputRps} req/s (p50 ${stockRun.p50Ms} ms): ${stockRun.throughputRps > 0 ? (hubRun.throughputRps / stockRun.throughputRps).toFixed(2) : '-'}x (target >= 3x); peak RSS ${peakRssMb(hub.child.pid)} MB after ${hubRun.requests + all.requests} requests (target: no worse than 416 MB).`,
      );
    } finally {
      await stockPeer.stop('SIGTERM');
      rmSync(supergraphPath, { force: true });
    }
  } finally {
    await hub.stop('SIGTERM');
  }
}
say();

const file = `${REPO_ROOT}bench/results/${new Date().toISOString().slice(0, 10)}.md`;
writeFileSync(file, `${lines.join('\n')}\n`);
console.log(`\nWritten to ${file.replace(REPO_ROOT, '')}`);
process.exit(0);

// npm run soak: a bounded soak (not a test). Starts the hub on the real PostgreSQL server in
// throw-away schemas, loopback only, and reports:
//   1. 100 concurrent clients for SOAK_SECONDS (default 60) on the headline operations: errors
//      (target 0), latency percentiles, throughput, RSS before and after;
//   2. the same load while every database connection is dropped every 5 s (a PostgreSQL restart
//      as the hub sees it), and the answers after it;
//   3. FUZZ_COUNT (default 20,000) generated hostile requests: status codes, slowest answer, 5xx.
// First, before any other load: MEMORY_COUNT (default 20,000) hostile requests of 40-50 kB (token-
// limit refusals, distinct valid documents, APQ registrations, large variables) from 8 clients;
// the hub's RSS during (target ≤ 400 MB) and after 60 s idle (target within 20% of its start).
// SOAK_PHASES=memory runs that phase only.
// Writes bench/results/soak-<date>.md.
import './quiet.js';
import '@nhs-hub/kit/telemetry';
import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { postGraphQL, startTestGraph } from '@nhs-hub/gateway/testing';
import { readEnvVars, tuneHeap } from '@nhs-hub/kit/platform';
import pg from 'pg';
import { loadAllSubgraphs, REPO_ROOT } from '../gateway/src/config.js';
import { hostileRequestStream } from '../gateway/src/hostile.js';
import { loadChecked, type LoadResult } from './load.js';

process.env.TEST_DATABASE_URL ??= process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 100);
const FUZZ_COUNT = Number(process.env.FUZZ_COUNT ?? 20_000);
const MEMORY_COUNT = Number(process.env.MEMORY_COUNT ?? 20_000);
const PHASES = (process.env.SOAK_PHASES ?? 'memory,load,faults,fuzz').split(',');
const op = (name: string) => readFileSync(`${REPO_ROOT}schema/operations/${name}.graphql`, 'utf8');
const headline = [
  {
    name: 'StpOverview',
    body: JSON.stringify({ operationName: 'StpOverview', query: op('StpOverview'), variables: { code: 'QJM' } }),
  },
  {
    name: 'AllStps',
    body: JSON.stringify({ operationName: 'AllStps', query: op('AllStps'), variables: { first: 200 } }),
  },
  {
    name: 'RegionOverview',
    body: JSON.stringify({ operationName: 'RegionOverview', query: op('RegionOverview'), variables: { code: 'Y60' } }),
  },
];
const lines: string[] = [];
const say = (line = '') => {
  console.log(line);
  lines.push(line);
};
const rssMb = () => Math.round(process.memoryUsage().rss / 2 ** 20);

// As every deployed entry point does first thing (packages/kit/src/platform/heap.ts): the heap may
// grow to twice what is alive, not V8's four times, so RSS measures the hub as deployed.
tuneHeap(readEnvVars(['HUB_HEAP_GROWING_PERCENT']).HUB_HEAP_GROWING_PERCENT);
const definitions = await loadAllSubgraphs();
const graph = await startTestGraph(definitions);
const commit = execSync('git rev-parse --short HEAD', { cwd: REPO_ROOT }).toString().trim();

/** Where each phase run sends from: the memory and fuzz phases with fetch in the hub's own process, the others from autocannon processes. */
function loadFrom(): string {
  const inProcess = PHASES.filter((p) => p === 'memory' || p === 'fuzz');
  const autocannon = PHASES.filter((p) => p === 'load' || p === 'faults');
  return [
    ...(inProcess.length
      ? [
          `the ${inProcess.join(' and ')} phase${inProcess.length > 1 ? 's send' : ' sends'} with fetch from the hub's own process`,
        ]
      : []),
    ...(autocannon.length
      ? [`the ${autocannon.join(' and ')} phase${autocannon.length > 1 ? 's' : ''} from separate autocannon processes`]
      : []),
  ].join('; ');
}

say(`# Soak ${new Date().toISOString().slice(0, 10)}`);
say();
say(
  `Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; commit ${commit}; PostgreSQL at ${new URL(process.env.TEST_DATABASE_URL).host}; hub in one process (gateway + ${definitions.length} subgraphs); ${loadFrom()}, on loopback.`,
);
say();

async function mixedLoad(seconds: number): Promise<(LoadResult & { name: string })[]> {
  const share = Math.floor(CLIENTS / headline.length);
  return Promise.all(
    headline.map(async ({ name, body }, i) => ({
      name,
      ...(await loadChecked(
        graph.gatewayUrl,
        body,
        i === 0 ? CLIENTS - share * (headline.length - 1) : share,
        seconds,
      )),
    })),
  );
}

function table(results: (LoadResult & { name: string })[]): void {
  say(
    '| operation | clients | requests | req/s | p50 ms | p97.5 ms | p99 ms | connection errors | non-2xx | answers with GraphQL errors |',
  );
  say('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results)
    say(
      `| ${r.name} | ${r.connections} | ${r.requests} | ${r.throughputRps} | ${r.p50Ms} | ${r.p97_5Ms} | ${r.p99Ms} | ${r.errors} | ${r.non2xx} | ${r.graphqlErrors} |`,
    );
  const failed = results.reduce((n, r) => n + r.errors + r.non2xx + r.graphqlErrors, 0);
  const total = results.reduce((n, r) => n + r.requests, 0);
  say();
  say(`${total} requests, ${failed} failed (target 0).`);
}

/** One hostile request of 40-50 kB, of four kinds in turn, each distinct (so no cache of the runtime can answer it). */
function memoryHostile(i: number): { kind: string; body: string } {
  const size = 40_000 + ((i * 7919) % 10_000);
  switch (i % 4) {
    case 0: {
      // Over the token limit: refused while parsing.
      const query = `{ stp(code: "QJM") { ${'code '.repeat(Math.floor(size / 5))} } } # ${i}`;
      return { kind: 'token-limit refusal', body: JSON.stringify({ query }) };
    }
    case 1: {
      // Valid, and new each time: a comment makes it a distinct document.
      const head = `{ stp(code: "QJM") { name } } # ${i} `;
      return {
        kind: 'distinct valid document',
        body: JSON.stringify({ query: head + 'x'.repeat(size - head.length) }),
      };
    }
    case 2: {
      // A persisted-query registration: the document with its hash.
      const query = `{ regions { code } } # ${i} ${'y'.repeat(size - 40)}`;
      const sha256Hash = createHash('sha256').update(query).digest('hex');
      return {
        kind: 'APQ registration',
        body: JSON.stringify({ query, extensions: { persistedQuery: { version: 1, sha256Hash } } }),
      };
    }
    default: {
      // Large variables, each string within the variable limit.
      const pieces = Array.from({ length: Math.ceil(size / 900) }, (_, j) => `${i}-${j}-${'z'.repeat(880)}`);
      return {
        kind: 'large variables',
        body: JSON.stringify({
          query: 'query Q($code: ID!) { stp(code: $code) { name } }',
          variables: { code: 'QJM', pad: pieces },
        }),
      };
    }
  }
}

if (PHASES.includes('memory')) {
  say(`## Memory: ${MEMORY_COUNT} hostile requests of 40-50 kB from 8 clients`);
  say();
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  await sleep(5_000);
  const start = rssMb();
  let peak = start;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMb());
  }, 250);
  const statuses = new Map<string, number>();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < MEMORY_COUNT) {
        const { kind, body } = memoryHostile(next++);
        const res = await fetch(graph.gatewayUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(30_000),
        });
        await res.arrayBuffer();
        const key = `${kind} ${res.status}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
      }
    }),
  );
  const seconds = Math.round((performance.now() - started) / 1000);
  const end = rssMb();
  await sleep(60_000);
  clearInterval(sampler);
  const idle = rssMb();
  say(`Answers (kind status: count): ${[...statuses].map(([k, n]) => `${k}: ${n}`).join(', ')}; in ${seconds} s.`);
  say();
  say('| RSS | MB |');
  say('| --- | --- |');
  say(`| at start | ${start} |`);
  say(`| peak during (target ≤ 400) | ${peak} |`);
  say(`| at the end | ${end} |`);
  say(`| after 60 s idle (target ≤ ${Math.round(start * 1.2)}, start + 20%) | ${idle} |`);
  say();
  say(
    `Peak ${peak <= 400 ? 'within' : 'over'} 400 MB; after idle ${idle <= start * 1.2 ? 'within' : 'not within'} 20% of the start. The load's client (fetch) runs in the hub's process, so its memory counts too.`,
  );
  say();
}

// 1. Steady load.
const rssBefore = rssMb();
if (PHASES.includes('load')) {
  say(`## 1. ${CLIENTS} clients for ${SECONDS} s on StpOverview, AllStps and RegionOverview`);
  say();
  table(await mixedLoad(SECONDS));
  say();
  say(`RSS of the hub process: ${rssBefore} MB before, ${rssMb()} MB after.`);
  say();
}

// 2. Dropped database connections under load.
if (PHASES.includes('faults')) await dropConnections();
async function dropConnections(): Promise<void> {
  const dropSeconds = Math.max(10, Math.round(SECONDS / 3));
  say(`## 2. The same load for ${dropSeconds} s while every database connection is dropped every 5 s`);
  say();
  let drops = 0;
  let terminated = 0;
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL, application_name: 'soak-admin' });
  await admin.connect();
  const dropper = setInterval(() => {
    admin
      .query<{ n: number }>(
        'select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
      )
      .then(({ rows }) => {
        drops++;
        terminated += rows[0]?.n ?? 0;
      })
      .catch(() => undefined);
  }, 5_000);
  const underFault = await mixedLoad(dropSeconds);
  clearInterval(dropper);
  await admin.end();
  table(underFault);
  say();
  const lost = underFault.reduce((n, r) => n + r.errors + r.non2xx + r.graphqlErrors, 0);
  say(
    `${drops} drops, ${terminated} connections terminated; the pool reconnected on its own and reads cut off in flight were retried${lost ? ` (${lost} answers still failed)` : ''}.`,
  );
  for (const sample of underFault.flatMap((r) => r.samples).slice(0, 3)) say(`- failed answer: \`${sample}\``);
  const after = await postGraphQL(graph.gatewayUrl, '{ stp(code: "QJM") { name financialGap { combinedGbpM } } }');
  say(`Answer after the drops, without any restart: ${JSON.stringify(after.body)}`);
  say();
}

// 3. Hostile requests.
if (PHASES.includes('fuzz')) await fuzz();
async function fuzz(): Promise<void> {
  say(`## 3. ${FUZZ_COUNT} generated hostile and malformed requests (seeded, replayable)`);
  say();
  const statuses = new Map<number, number>();
  const kinds = new Map<string, number>();
  let slowestMs = 0;
  for (const { kind, body } of hostileRequestStream(FUZZ_COUNT, 7)) {
    const started = performance.now();
    const res = await fetch(graph.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    await res.text();
    slowestMs = Math.max(slowestMs, performance.now() - started);
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  say(`Kinds: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}.`);
  say(
    `Statuses: ${[...statuses]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}: ${n}`)
      .join(
        ', ',
      )}; 5xx: ${[...statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0)}; slowest answer ${Math.round(slowestMs)} ms.`,
  );
  const healthy = await postGraphQL(graph.gatewayUrl, '{ stp(code: "QJM") { name } }');
  say(`Answer afterwards: ${JSON.stringify(healthy.body)}; RSS ${rssMb()} MB.`);
}

await graph.close();
const file = `${REPO_ROOT}bench/results/soak-${new Date().toISOString().slice(0, 10)}.md`;
writeFileSync(file, `${lines.join('\n')}\n`);
console.log(`\nWritten to ${file.replace(REPO_ROOT, '')}`);

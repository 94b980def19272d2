// npm run soak: a bounded soak (not a test). Starts the hub on the real PostgreSQL server in
// throw-away schemas, loopback only, and reports:
//   1. 100 concurrent clients for SOAK_SECONDS (default 60) on the headline operations: errors
//      (target 0), latency percentiles, throughput, RSS before and after;
//   2. the same load while every database connection is dropped every 5 s (a PostgreSQL restart
//      as the hub sees it), and the answers after it;
//   3. FUZZ_COUNT (default 20,000) generated hostile requests: status codes, slowest answer, 5xx.
// Writes bench/results/soak-<date>.md.
import './quiet.js';
import '@nhs-hub/kit/telemetry';
import { execSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { postGraphQL, startTestGraph } from '@nhs-hub/gateway/testing';
import pg from 'pg';
import { loadAllSubgraphs, REPO_ROOT } from '../gateway/src/config.js';
import { hostileRequestStream } from '../gateway/src/hostile.js';
import { loadChecked, type LoadResult } from './load.js';

process.env.TEST_DATABASE_URL ??= process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 100);
const FUZZ_COUNT = Number(process.env.FUZZ_COUNT ?? 20_000);
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

const definitions = await loadAllSubgraphs();
const graph = await startTestGraph(definitions);
const commit = execSync('git rev-parse --short HEAD', { cwd: REPO_ROOT }).toString().trim();

say(`# Soak ${new Date().toISOString().slice(0, 10)}`);
say();
say(
  `Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; commit ${commit}; PostgreSQL at ${new URL(process.env.TEST_DATABASE_URL).host}; hub in one process (gateway + ${definitions.length} subgraphs); load from separate autocannon processes on loopback.`,
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

// 1. Steady load.
const rssBefore = rssMb();
say(`## 1. ${CLIENTS} clients for ${SECONDS} s on StpOverview, AllStps and RegionOverview`);
say();
table(await mixedLoad(SECONDS));
say();
say(`RSS of the hub process: ${rssBefore} MB before, ${rssMb()} MB after.`);
say();

// 2. Dropped database connections under load.
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

// 3. Hostile requests.
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

await graph.close();
const file = `${REPO_ROOT}bench/results/soak-${new Date().toISOString().slice(0, 10)}.md`;
writeFileSync(file, `${lines.join('\n')}\n`);
console.log(`\nWritten to ${file.replace(REPO_ROOT, '')}`);

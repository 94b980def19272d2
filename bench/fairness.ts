// npm run bench:fairness: fairness under load (not a test). Starts the hub in-process on the real
// PostgreSQL server (throw-away schemas), with the production limits (rate per client, request
// deadline, subgraph calls per request), and measures StpOverview's latency on one client:
//   1. quiet: nothing else running;
//   2. while 3 other clients (each its own token) send, back to back, the dearest query the limits
//      allow: AllStps' selection twice over at its largest page (cost ~29,600 of 30,000).
// Target (issue 23): the loaded p99 within 3x the quiet p99. Writes bench/results/fairness-<date>.md.
import './quiet.js';
import '@nhs-hub/kit/telemetry';
import { execSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { signTestToken, startTestGraph, TEST_JWT_SECRET } from '@nhs-hub/gateway/testing';
import { loadAllSubgraphs, REPO_ROOT } from '../gateway/src/config.js';
import { gatewaySettingsFromEnv } from '../gateway/src/gateway.js';

process.env.TEST_DATABASE_URL ??= process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SAMPLES = Number(process.env.FAIRNESS_SAMPLES ?? 300);
const ATTACKERS = 3;
const op = (name: string) => readFileSync(`${REPO_ROOT}schema/operations/${name}.graphql`, 'utf8');
const allStps = op('AllStps');
// From `nodes {` to the brace that closes it: the query's last two braces close stps and the query.
const allStpsSelection = allStps.slice(
  allStps.indexOf('nodes {'),
  allStps.lastIndexOf('}', allStps.lastIndexOf('}') - 1),
);
const DEAREST = `{ a: stps(first: 200) { totalCount ${allStpsSelection} } b: stps(first: 200, offset: 0) { totalCount ${allStpsSelection} } }`;

// The production settings are read before the bench's own HS256 key is set: production refuses an
// HS256 key at start-up (tokens come from an identity provider there); the bench's attackers sign
// theirs with the test key, which the in-process gateway reads per request.
const { fairness } = gatewaySettingsFromEnv();
process.env.HUB_JWT_SECRET ??= TEST_JWT_SECRET;
const graph = await startTestGraph(await loadAllSubgraphs(), { fairness });
{
  // The dearest query must be one the limits allow: answered, not refused.
  const check = await fetch(graph.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: DEAREST }),
  });
  const text = await check.text();
  if (check.status !== 200 || text.includes('"errors"'))
    throw new Error(`The dearest query is refused: ${text.slice(0, 300)}`);
}
const commit = execSync('git rev-parse --short HEAD', { cwd: REPO_ROOT }).toString().trim();

const post = async (body: string, authorization: string) => {
  const started = performance.now();
  const response = await fetch(graph.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body,
  });
  await response.arrayBuffer();
  return { status: response.status, ms: performance.now() - started };
};

const overview = JSON.stringify({ operationName: 'StpOverview', query: op('StpOverview'), variables: { code: 'QJM' } });
const measurer = await signTestToken({ sub: 'measurer' });
async function measure(): Promise<{ p50: number; p99: number; statuses: Record<number, number> }> {
  const times: number[] = [];
  const statuses: Record<number, number> = {};
  for (let i = 0; i < SAMPLES; i++) {
    const { status, ms } = await post(overview, measurer);
    statuses[status] = (statuses[status] ?? 0) + 1;
    times.push(ms);
    // One client at a steady 10 requests a second, within its rate.
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0);
  return { p50: at(0.5), p99: at(0.99), statuses };
}

for (let i = 0; i < 20; i++) await post(overview, measurer); // warm plans and sockets
const quiet = await measure();

let stop = false;
const attackerStatuses: Record<number, number> = {};
const attackerTimes: number[] = [];
const dear = JSON.stringify({ query: DEAREST });
const attackers = Array.from({ length: ATTACKERS }, async (_, i) => {
  const token = await signTestToken({ sub: `attacker-${i}` });
  while (!stop) {
    const { status, ms } = await post(dear, token);
    attackerStatuses[status] = (attackerStatuses[status] ?? 0) + 1;
    if (status === 200) attackerTimes.push(ms);
  }
});
await new Promise((resolve) => setTimeout(resolve, 2_000));
const loaded = await measure();
stop = true;
await Promise.all(attackers);
await graph.close();

attackerTimes.sort((a, b) => a - b);
const ratio = Math.round((loaded.p99 / Math.max(1, quiet.p99)) * 100) / 100;
const lines = [
  `# Fairness ${new Date().toISOString().slice(0, 10)}`,
  '',
  `Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; commit ${commit}; PostgreSQL; hub in one process, clients in the same process (fetch) on loopback. Limits: ${JSON.stringify(fairness)}, subgraph calls per request 4, demand control 30,000.`,
  '',
  `StpOverview (QJM), ${SAMPLES} requests at 10/s from one client:`,
  '',
  '| phase | p50 ms | p99 ms | statuses |',
  '| --- | --- | --- | --- |',
  `| quiet | ${quiet.p50} | ${quiet.p99} | ${JSON.stringify(quiet.statuses)} |`,
  `| ${ATTACKERS} clients sending the dearest allowed query back to back | ${loaded.p50} | ${loaded.p99} | ${JSON.stringify(loaded.statuses)} |`,
  '',
  `Loaded p99 / quiet p99: ${ratio} (target ≤ 3: ${ratio <= 3 ? 'met' : 'missed'}).`,
  '',
  `The dearest query (${DEAREST.length} bytes, AllStps' selection twice at first: 200): attackers' statuses ${JSON.stringify(attackerStatuses)}, median ${Math.round(attackerTimes[Math.floor(attackerTimes.length / 2)] ?? 0)} ms per answer.`,
];
console.log(lines.join('\n'));
writeFileSync(
  `${REPO_ROOT}bench/results/fairness-${new Date().toISOString().slice(0, 10)}.md`,
  `${lines.join('\n')}\n`,
);
process.exit(0);

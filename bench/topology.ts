// npm run bench:topology: the deployed topology under load, on this machine (a benchmark, not a
// test; packages/topology/src/topology.test.ts is the short version npm test runs). Two gateway
// replicas and two replicas of every subgraph, each its own process on PostgreSQL (DATABASE_URL,
// default postgres://postgres@127.0.0.1:5432/test, throw-away schemas), behind nginx on loopback.
// TOPOLOGY_CLIENTS clients (default 20) for TOPOLOGY_SECONDS (default 20); a third of the way in,
// one replica of every subgraph and one gateway are SIGKILLed, then started again. Writes
// bench/results/topology-<date>.md.
import { execSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { readEnvVars } from '@nhs-hub/kit/env';
import { findNginx } from '../packages/topology/src/nginx.js';
import { REPO_ROOT, spawnService, subgraphScript } from '../packages/topology/src/processes.js';
import { dropSchemas, throwAwayName } from '../packages/topology/src/postgres.js';
import { runTopology, TOPOLOGY_QUERY } from '../packages/topology/src/topology.js';

// Replicas run compiled, as the image runs them: build first so dist/ matches the sources.
process.env.TOPOLOGY_COMPILED = '1';
execSync('npm run --silent build', { cwd: REPO_ROOT, stdio: 'inherit' });
const databaseUrl = readEnvVars(['DATABASE_URL']).DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CLIENTS = Number(process.env.TOPOLOGY_CLIENTS ?? 20);
const SECONDS = Number(process.env.TOPOLOGY_SECONDS ?? 20);
const TARGET_BACK_MS = 5000;
const seconds = (ms: number | null) => (ms === null ? 'never' : `${(ms / 1000).toFixed(1)} s`);
const nginx = findNginx();
if (!nginx) {
  console.error('nginx is not installed: apt-get install -y nginx (.ci/run installs it when absent)');
  process.exit(1);
}
const nginxVersion = execSync(`${nginx} -v 2>&1`).toString().trim().replace('nginx version: ', '');
const pgVersion = execSync(`psql "${databaseUrl}" -tAc 'show server_version'`).toString().trim();

const lines: string[] = [];
const say = (line = '') => {
  console.log(line);
  lines.push(line);
};

// Context for the restart figures: what one subgraph process costs to start with nothing else of
// ours running (its schema already seeded, as for a restarted replica), and how busy the machine is.
const baselineSchema = throwAwayName('topo_baseline');
let baselineMs = 0;
try {
  for (const round of [1, 2]) {
    const alone = spawnService({
      label: 'organisations alone',
      script: subgraphScript('organisations'),
      env: { DATABASE_URL: databaseUrl, HUB_SCHEMA: baselineSchema, PORT: '0' },
    });
    await alone.ready;
    if (round === 2) baselineMs = Date.now() - alone.spawnedAt;
    await alone.stop('SIGTERM');
  }
} finally {
  await dropSchemas(databaseUrl, [baselineSchema]);
}
const loadBefore = loadavg()[0] ?? 0;

const result = await runTopology({
  databaseUrl,
  nginx,
  clients: CLIENTS,
  seconds: SECONDS,
  killAfterMs: Math.round((SECONDS * 1000) / 3),
  deadForMs: 1000,
  say: (line) => console.log(`  ${line}`),
});

const commit = execSync('git rev-parse --short HEAD', { cwd: REPO_ROOT }).toString().trim();
const date = new Date().toISOString().slice(0, 10);
const backTimes = result.restarts.map((r) => r.backInRotationMs);
const worst = backTimes.some((t) => t === null) ? null : Math.max(...(backTimes as number[]));

say(`# Topology under load ${date}`);
say();
say(
  `Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, PostgreSQL ${pgVersion}, nginx ${nginxVersion}; commit ${commit}. ` +
    `${result.processes} hub processes (2 gateways, 2 of each subgraph) on loopback behind one nginx, which also sits between the gateways and the subgraphs; ` +
    `PostgreSQL, nginx and the load generator on the same machine.`,
);
say();
say(
  `Machine load (1-minute average) ${loadBefore.toFixed(1)} before the run and ${(loadavg()[0] ?? 0).toFixed(1)} after, on ${cpus().length} cores ` +
    `(the figures below share the machine with whatever else ran). One subgraph process started alone, on an already seeded schema: ${seconds(baselineMs)} from spawn to serving.`,
);
say();
say(
  `Load: ${CLIENTS} clients (autocannon, own process) for ${SECONDS} s, each request the query below through nginx to a gateway; every answer compared byte for byte with the answer before the run. ` +
    `At ${Math.round(SECONDS / 3)} s one replica of every subgraph and one gateway were SIGKILLed at once, and started again 1 s later on their ports.`,
);
say();
say('```graphql');
say(TOPOLOGY_QUERY);
say('```');
say();
say('| measure | result | target | |');
say('| --- | --- | --- | --- |');
say(
  `| failed requests seen by the clients (connection errors, timeouts, non-2xx, wrong answers) | ${result.failed} of ${result.requests} | 0 | ${result.failed === 0 ? 'met' : 'missed'} |`,
);
say(
  `| killed replicas back in rotation, spawn to first request served (worst of ${result.restarts.length}) | ${seconds(worst)} | <= ${TARGET_BACK_MS / 1000} s | ${worst !== null && worst <= TARGET_BACK_MS ? 'met' : 'missed'} |`,
);
say(`| throughput | ${result.throughputRps} req/s | | |`);
say(`| latency p50 / p99 / max | ${result.p50Ms} / ${result.p99Ms} / ${result.maxMs} ms | | |`);
say(`| requests nginx retried on the other replica | ${result.retriedByNginx} | | |`);
say(
  `| start-up of all ${result.processes} processes at once (schemas migrated and seeded) | ${seconds(result.startupMs)} | | |`,
);
say();
say(
  '| restarted replica | spawn to "ready" (process start-up) | "ready" to first request served (nginx) | spawn to first request served | |',
);
say('| --- | --- | --- | --- | --- |');
for (const r of result.restarts) {
  const lb = r.readyMs !== null && r.backInRotationMs !== null ? r.backInRotationMs - r.readyMs : null;
  say(
    `| ${r.label} | ${seconds(r.readyMs)} | ${seconds(lb)} | ${seconds(r.backInRotationMs)} | ${r.backInRotationMs !== null && r.backInRotationMs <= TARGET_BACK_MS ? 'met' : 'missed'} |`,
  );
}
say();
say(
  `Failures by kind: ${result.connectionErrors} connection errors (${result.timeouts} timeouts), ${result.non2xx} non-2xx, ${result.wrongAnswers} wrong answers.`,
);
if (result.samples.length > 0) {
  say();
  say('First failed answers:');
  for (const sample of result.samples) say(`- \`${sample.replace(/`/g, "'")}\``);
}
say();
say('Rerun: `npm run bench:topology` (TOPOLOGY_CLIENTS, TOPOLOGY_SECONDS, DATABASE_URL).');

const path = `${REPO_ROOT}bench/results/topology-${date}.md`;
writeFileSync(path, `${lines.join('\n')}\n`);
console.log(`\nWrote ${path}`);
process.exit(result.failed === 0 ? 0 : 1);

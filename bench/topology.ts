// npm run bench:topology: the deployed topology under load, on this machine (a benchmark, not a
// test; packages/topology/src/topology.test.ts is the short version npm test runs). Two gateway
// replicas and two replicas of every subgraph, each its own process, behind nginx on loopback, on
// PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test) as the manifests
// deploy it: a throw-away database with infra/k8s's roles.sql and the Cluster's role limits, the
// migrate Jobs straight to it, every replica through Debian's pgbouncer set up as the Pooler
// (infra/k8s/base/postgres/pooler.yaml, its numbers from infra/k8s/budget.ts). TOPOLOGY_CLIENTS
// clients (default 20) for TOPOLOGY_SECONDS (default 20), the gateways' response cache off unless
// TOPOLOGY_CACHE=on (so every request reaches PostgreSQL); a third of the way in, one replica of
// every subgraph and one gateway are SIGKILLed, then started again. The server connections
// PostgreSQL sees are sampled throughout and compared with the budget. Writes
// bench/results/topology-<date>.md.
import { execSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { readEnvVars } from '@nhs-hub/kit/env';
import { findExecutable, SYSTEM_TOOLS } from '@nhs-hub/kit/testing';
import { USAGE_POOL_SIZE, USAGE_SCHEMA } from '@nhs-hub/gateway/usage';
import { APP_POOL_SIZE } from '../infra/k8s/budget.js';
import { BASE_DIR, readerOf, roleOf, USAGE_OWNER, USAGE_WRITER } from '../infra/k8s/generate.js';
import { K8S_DIR, type Json, type Manifest, render } from '../infra/k8s/render.js';
import { findNginx } from '../packages/topology/src/nginx.js';
import { REPO_ROOT, spawnService, subgraphScript } from '../packages/topology/src/processes.js';
import { dropSchemas, throwAwayName } from '../packages/topology/src/postgres.js';
import { runTopology, TOPOLOGY_QUERY } from '../packages/topology/src/topology.js';
import { dataSubgraphNames } from '../packages/topology/src/processes.js';

// Replicas run compiled, as the image runs them: build first so dist/ matches the sources.
process.env.TOPOLOGY_COMPILED = '1';
execSync('npm run --silent build', { cwd: REPO_ROOT, stdio: 'inherit' });
const databaseUrl = readEnvVars(['DATABASE_URL']).DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CLIENTS = Number(process.env.TOPOLOGY_CLIENTS ?? 20);
const SECONDS = Number(process.env.TOPOLOGY_SECONDS ?? 20);
const CACHE = process.env.TOPOLOGY_CACHE === 'on';
const TARGET_BACK_MS = 5000;
const seconds = (ms: number | null) => (ms === null ? 'never' : `${(ms / 1000).toFixed(1)} s`);
const nginx = findNginx();
if (!nginx) {
  console.error('nginx is not installed: apt-get install -y nginx (.ci/run installs it when absent)');
  process.exit(1);
}
const nginxVersion = execSync(`${nginx} -v 2>&1`).toString().trim().replace('nginx version: ', '');
const pgbouncer = findExecutable(SYSTEM_TOOLS.pgbouncer.executables);
if (!pgbouncer) {
  console.error(`pgbouncer is not installed: ${SYSTEM_TOOLS.pgbouncer.install}`);
  process.exit(1);
}
const pgbouncerVersion = execSync(`${pgbouncer} --version`).toString().split('\n')[0]?.trim() ?? 'PgBouncer';

// The Pooler and the Cluster as the prod overlay renders them: PgBouncer's mode and parameters, and
// every managed role with its connection limit.
type Obj = Record<string, Json>;
const prod = render(join(K8S_DIR, 'overlays/prod'));
const of = (kind: string): Manifest => {
  const found = prod.find((o) => o.kind === kind);
  if (!found) throw new Error(`overlays/prod renders no ${kind}`);
  return found;
};
const poolerSpec = of('Pooler').spec as Obj;
const bouncer = poolerSpec.pgbouncer as Obj;
const parameters = Object.fromEntries(Object.entries(bouncer.parameters as Obj).map(([k, v]) => [k, String(v)]));
const managedRoles = (((of('Cluster').spec as Obj).managed as Obj).roles as Obj[]).map((r) => ({
  name: String(r.name),
  connectionLimit: Number(r.connectionLimit),
}));
const poolSize = Number(parameters.default_pool_size);
const limitOf = (role: string) => managedRoles.find((r) => r.name === role)?.connectionLimit;
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
  responseCache: CACHE,
  pooler: {
    pgbouncer,
    poolMode: String(bouncer.poolMode),
    parameters,
    rolesSql: readFileSync(join(BASE_DIR, 'postgres/roles.sql'), 'utf8'),
    roles: managedRoles,
    as: {
      owner: roleOf,
      serving: readerOf,
      usageOwner: USAGE_OWNER,
      usageWriter: USAGE_WRITER,
      usageSchema: USAGE_SCHEMA,
    },
  },
});
if (!result.pooled) throw new Error('the run did not go through PgBouncer');
const { peaks } = result.pooled;
// Through PgBouncer: each subgraph's serving role and the gateways' usage writer.
const pooledRoles = [...dataSubgraphNames().map(readerOf), USAGE_WRITER];
const worstRole = Math.max(0, ...pooledRoles.map((r) => peaks.serverByRole[r] ?? 0));
const budgetTotal = pooledRoles.length * poolSize;

const commit = execSync('git rev-parse --short HEAD', { cwd: REPO_ROOT }).toString().trim();
const date = new Date().toISOString().slice(0, 10);
const backTimes = result.restarts.map((r) => r.backInRotationMs);
const worst = backTimes.some((t) => t === null) ? null : Math.max(...(backTimes as number[]));

say(`# Topology under load ${date}`);
say();
say(
  `Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, PostgreSQL ${pgVersion}, nginx ${nginxVersion}, ${pgbouncerVersion}; commit ${commit}. ` +
    `${result.processes} hub processes (2 gateways, 2 of each subgraph) on loopback behind one nginx, which also sits between the gateways and the subgraphs; ` +
    `PostgreSQL, PgBouncer, nginx and the load generator on the same machine.`,
);
say();
say(
  `Database, as infra/k8s deploys it: a throw-away database bootstrapped with \`infra/k8s/base/postgres/roles.sql\`, every managed role of the Cluster given LOGIN and its \`connectionLimit\` (${managedRoles.map((r) => `${r.name} ${r.connectionLimit}`).join(', ')}). ` +
    `The migrate Jobs (\`node dist/<name>.mjs migrate\`, and the gateway's for field usage) ran first, straight to PostgreSQL as the schema owners, in ${seconds(result.pooled.jobsMs)}. ` +
    `Every subgraph replica then connected as its \`<name>_reader\` role and every gateway as \`${USAGE_WRITER}\` (field usage), all through one PgBouncer configured as the Pooler (\`pool_mode = ${String(bouncer.poolMode)}\`, ${Object.entries(
      parameters,
    )
      .map(([k, v]) => `\`${k} = ${v}\``)
      .join(', ')}), with \`HUB_MIGRATE=verify HUB_SEED=never\`. ` +
    `The Pooler runs ${String(poolerSpec.instances)} such instances; one instance here is the stricter case: every replica's pool lands on it.`,
);
say();
say(
  `Machine load (1-minute average) ${loadBefore.toFixed(1)} before the run and ${(loadavg()[0] ?? 0).toFixed(1)} after, on ${cpus().length} cores ` +
    `(the figures below share the machine with whatever else ran). One subgraph process started alone, on an already seeded schema: ${seconds(baselineMs)} from spawn to serving.`,
);
if (Math.max(loadBefore, loadavg()[0] ?? 0) > cpus().length) {
  say();
  say(
    `Other work was running on this machine throughout (a load above its ${cpus().length} cores): every time below is slower, and the throughput lower, than the same run on an idle machine would give.`,
  );
}
say();
say(
  `Load: ${CLIENTS} clients (autocannon, own process) for ${SECONDS} s, each request the query below through nginx to a gateway; every answer compared byte for byte with the answer before the run. ` +
    `At ${Math.round(SECONDS / 3)} s one replica of every subgraph and one gateway were SIGKILLed at once, and started again 1 s later on their ports. ` +
    (CACHE
      ? "The gateways' response cache was on (TOPOLOGY_CACHE=on): repeated queries were answered by the gateways, rarely reaching PostgreSQL."
      : "The gateways' response cache was off, so every request reached the subgraphs and PostgreSQL (TOPOLOGY_CACHE=on keeps it)."),
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
say(
  `| server connections to PostgreSQL through PgBouncer, most at once for one role (of ${pooledRoles.length} roles) | ${worstRole} | <= ${poolSize} (\`default_pool_size\`) | ${worstRole <= poolSize ? 'met' : 'missed'} |`,
);
say(
  `| server connections to PostgreSQL, most at once, all roles together | ${peaks.serverTotal} | <= ${budgetTotal} (${pooledRoles.length} roles x ${poolSize}) | ${peaks.serverTotal <= budgetTotal ? 'met' : 'missed'} |`,
);
say(`| throughput | ${result.throughputRps} req/s | | |`);
say(`| latency p50 / p99 / max | ${result.p50Ms} / ${result.p99Ms} / ${result.maxMs} ms | | |`);
say(`| requests nginx retried on the other replica | ${result.retriedByNginx} | | |`);
say(
  `| start-up: the migrate Jobs (schemas migrated and seeded), then all ${result.processes} processes at once | ${seconds(result.startupMs)} (Jobs ${seconds(result.pooled.jobsMs)}) | | |`,
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
  '| role | server connections, most at once | PgBouncer pool (`default_pool_size`) | role `connectionLimit` | client connections it can hold (2 processes x pool) |',
);
say('| --- | --- | --- | --- | --- |');
for (const role of pooledRoles)
  say(
    `| ${role} | ${peaks.serverByRole[role] ?? 0} | ${poolSize} | ${limitOf(role) ?? 'none'} | ${role === USAGE_WRITER ? `2 x ${USAGE_POOL_SIZE}` : `2 x ${APP_POOL_SIZE}`} |`,
  );
say();
say(
  `PgBouncer held up to ${peaks.clientsActive} client connections at once, and up to ${peaks.clientsWaiting} of them waiting for a server connection (queued, not refused); ${peaks.samples} samples of \`pg_stat_activity\` and \`SHOW POOLS\`, every 100 ms from the migrate Jobs to the last process stopped. ` +
    `Field usage: the gateways recorded ${result.pooled.usageCounted} requests (the SIGKILLed gateway's unwritten counts, up to 10 s of them, are lost with it).`,
);
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
say('Rerun: `npm run bench:topology` (TOPOLOGY_CLIENTS, TOPOLOGY_SECONDS, TOPOLOGY_CACHE, DATABASE_URL).');

const path = `${REPO_ROOT}bench/results/topology-${date}.md`;
writeFileSync(path, `${lines.join('\n')}\n`);
console.log(`\nWrote ${path}`);
process.exit(result.failed === 0 && worstRole <= poolSize && peaks.serverTotal <= budgetTotal ? 0 : 1);

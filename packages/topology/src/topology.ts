import type { StartedProcess } from '@nhs-hub/kit/testing';
import pg from 'pg';
import { startLoad } from './load.js';
import { asAdmin, dropSchemas, throwAwayName } from './postgres.js';
import { type AccessLogEntry, type Nginx, startNginx, type Upstream, upstreamFor } from './nginx.js';
import { type ConnectionPeaks, type PooledDatabase, type PoolerSettings, startPooledDatabase } from './pooler.js';
import { dataSubgraphNames, gatewayScript, runJob, spawnService, subgraphScript } from './processes.js';

/**
 * The hub as deployed, on one machine: two gateway replicas and two replicas of every subgraph,
 * each its own process on PostgreSQL (throw-away schemas), behind nginx. Gateways reach subgraphs
 * through nginx too. Under load, one replica of every subgraph and one gateway are SIGKILLed and
 * started again; the clients count every answer that is not the expected one.
 */
export interface TopologyOptions {
  readonly databaseUrl: string;
  readonly nginx: string;
  readonly clients: number;
  readonly seconds: number;
  /** When, after the load began, the replicas are killed. */
  readonly killAfterMs: number;
  /** How long they stay dead before they are started again. */
  readonly deadForMs: number;
  /** Progress lines. */
  readonly say?: (line: string) => void;
  /**
   * PostgreSQL as deployed (infra/k8s): a database of its own with roles.sql's roles, migrate Jobs
   * straight to it as the schema owners, then every replica through PgBouncer as its serving role,
   * migrating nothing (HUB_MIGRATE=verify), the gateways recording field usage. Without it, every
   * replica connects as the URL's user and the first of each pair migrates and seeds.
   */
  readonly pooler?: PoolerSettings & { readonly as: DeployedRoles };
  /**
   * The gateways' response cache (in memory each), on unless false. Off, every request reaches the
   * subgraphs and PostgreSQL; on, a gateway answers a repeated query itself after its first.
   */
  readonly responseCache?: boolean;
}

/** The roles infra/k8s/generate.ts gives each party. */
export interface DeployedRoles {
  owner(subgraph: string): string;
  serving(subgraph: string): string;
  readonly usageOwner: string;
  readonly usageWriter: string;
  /** The schema field usage is written to. */
  readonly usageSchema: string;
}

/** What the deployed database saw: PgBouncer's and PostgreSQL's connection peaks, and the Jobs. */
export interface PooledRun {
  readonly peaks: ConnectionPeaks;
  /** The migrate Jobs, all at once, until the last one exited. */
  readonly jobsMs: number;
  /** Requests the gateways wrote to field usage (the killed one's unwritten counts are lost with it). */
  readonly usageCounted: number;
}

/** One killed-and-restarted replica. */
export interface Restart {
  readonly label: string;
  readonly port: number;
  readonly killedAt: number;
  readonly spawnedAt: number;
  /** Spawn to the process printing that it serves. */
  readonly readyMs: number | null;
  /** Spawn to the first request nginx got a 200 for from it: back in rotation. */
  readonly backInRotationMs: number | null;
}

export interface TopologyResult {
  readonly processes: number;
  readonly requests: number;
  readonly throughputRps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly connectionErrors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  /** 200 answers that differ from the expected answer (GraphQL errors, missing data). */
  readonly wrongAnswers: number;
  readonly samples: readonly string[];
  readonly restarts: readonly Restart[];
  /** Requests nginx sent to more than one replica because the first failed. */
  readonly retriedByNginx: number;
  /** Requests the clients saw fail (connection errors, timeouts, non-2xx, wrong answers). */
  readonly failed: number;
  readonly startupMs: number;
  /** Set when the run went through PgBouncer (TopologyOptions.pooler). */
  readonly pooled: PooledRun | null;
}

/** Touches all five subgraphs: geography (stp, region), organisations, programmes, finance, workforce. */
export const TOPOLOGY_QUERY =
  '{ stp(code: "QJM") { name population region { name } leads { name organisation { name } } priorities { title programmes { code } } financialGap { combinedGbpM } workforceFacts { kind } } }';

interface Replica {
  readonly label: string;
  readonly port: number;
  readonly env: Record<string, string>;
  readonly script: string;
  process: StartedProcess;
}

export async function runTopology(options: TopologyOptions): Promise<TopologyResult> {
  const say = options.say ?? (() => undefined);
  const names = dataSubgraphNames();
  const runId = throwAwayName('topo');
  const schemaOf = (name: string) => `${runId}_${name}`;
  const upstreams: Upstream[] = [];
  for (const name of names) upstreams.push(await upstreamFor(name, 2));
  const gatewayUpstream = await upstreamFor('gateway', 2);
  upstreams.push(gatewayUpstream);

  const replicas: Replica[] = [];
  let nginx: Nginx | undefined;
  let pooled: PooledDatabase | undefined;
  let sampling: ReturnType<PooledDatabase['sample']> | undefined;
  let jobsMs = 0;
  const began = Date.now();
  try {
    nginx = await startNginx(options.nginx, upstreams);
    const lb = nginx;
    const deployed = options.pooler;
    if (deployed) {
      // The database as the Cluster bootstraps it, then this release's migrate Jobs, all at once.
      pooled = await startPooledDatabase(options.databaseUrl, runId, deployed);
      const db = pooled;
      // Totalled for the roles that come through PgBouncer; the Jobs' owners connect straight to PostgreSQL.
      sampling = db.sample(100, [...names.map(deployed.as.serving), deployed.as.usageWriter]);
      const jobsBegan = Date.now();
      await Promise.all([
        ...names.map((name) =>
          runJob({
            label: `${name} migrate`,
            script: subgraphScript(name),
            args: ['migrate'],
            env: { DATABASE_URL: db.direct(deployed.as.owner(name)), HUB_SEED: 'if-changed' },
          }),
        ),
        runJob({
          label: 'gateway migrate',
          script: gatewayScript(),
          args: ['migrate'],
          env: { HUB_USAGE_DATABASE_URL: db.direct(deployed.as.usageOwner) },
        }),
      ]);
      jobsMs = Date.now() - jobsBegan;
      say(`migrate Jobs done in ${(jobsMs / 1000).toFixed(1)} s`);
    }
    /** Where a subgraph replica connects, and what it does first. */
    const subgraphEnv = (name: string): Record<string, string> =>
      deployed && pooled
        ? { DATABASE_URL: pooled.pooled(deployed.as.serving(name)), HUB_MIGRATE: 'verify', HUB_SEED: 'never' }
        : { DATABASE_URL: options.databaseUrl, HUB_SCHEMA: schemaOf(name) };
    const start = (label: string, script: string, port: number, env: Record<string, string>): Replica => {
      const replica: Replica = {
        label,
        port,
        env,
        script,
        process: spawnService({ label, script, env: { ...env, PORT: String(port) }, readyTimeoutMs: 300_000 }),
      };
      replicas.push(replica);
      return replica;
    };
    // Both replicas of a subgraph start at once on an empty schema: one seeds, one waits.
    for (const upstream of upstreams.filter((u) => u !== gatewayUpstream)) {
      for (const [i, port] of upstream.servers.entries()) {
        start(`${upstream.name} #${i + 1}`, subgraphScript(upstream.name), port, subgraphEnv(upstream.name));
      }
    }
    await Promise.all(replicas.map((r) => r.process.ready));
    const gatewayEnv = {
      ...Object.fromEntries(names.map((name) => [`SUBGRAPH_${name.toUpperCase()}_URL`, lb.url(name)])),
      // Every client here is nginx's one address: the per-client rate limit would refuse the load
      // this measures (npm run bench:fairness measures the limit).
      HUB_RATE_LIMIT_PER_SECOND: '0',
      ...(options.responseCache === false ? { HUB_CACHE: 'off' } : {}),
      ...(deployed && pooled
        ? { HUB_USAGE_DATABASE_URL: pooled.pooled(deployed.as.usageWriter), HUB_MIGRATE: 'verify' }
        : {}),
    };
    for (const [i, port] of gatewayUpstream.servers.entries())
      start(`gateway #${i + 1}`, gatewayScript(), port, gatewayEnv);
    await Promise.all(replicas.map((r) => r.process.ready));
    const startupMs = Date.now() - began;
    say(`${replicas.length} processes up behind nginx in ${(startupMs / 1000).toFixed(1)} s`);

    // The expected answer, through the whole chain, before anything is disturbed.
    const body = JSON.stringify({ query: TOPOLOGY_QUERY });
    const first = await fetch(lb.url('gateway'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const expected = await first.text();
    const parsed = JSON.parse(expected) as {
      data?: { stp?: { name?: string; leads?: unknown[]; workforceFacts?: unknown[] } };
      errors?: unknown;
    };
    if (
      first.status !== 200 ||
      parsed.errors ||
      !parsed.data?.stp?.name ||
      !parsed.data.stp.leads?.length ||
      !parsed.data.stp.workforceFacts?.length
    ) {
      throw new Error(
        `the hub behind nginx did not answer the topology query: ${first.status} ${expected.slice(0, 500)}`,
      );
    }
    // Every replica serves before the load: a restarted one is then measured against its peers.
    for (let i = 0; i < 8; i++)
      await fetch(lb.url('gateway'), { method: 'POST', headers: { 'content-type': 'application/json' }, body });

    const load = startLoad({
      url: lb.url('gateway'),
      body,
      expected,
      connections: options.clients,
      seconds: options.seconds,
    });
    await load.started;
    const loadStartedAt = Date.now();
    say(
      `${options.clients} clients for ${options.seconds} s; killing one replica of every subgraph and one gateway after ${options.killAfterMs} ms`,
    );
    await sleep(options.killAfterMs);

    // One of each pair, all at once: every hop loses a replica at the same moment.
    const victims = upstreams.map((u) => replicas.find((r) => r.port === u.servers[0]) as Replica);
    const killedAt = Date.now();
    await Promise.all(victims.map((v) => v.process.stop('SIGKILL')));
    say(`SIGKILLed ${victims.map((v) => v.label).join(', ')} at ${((killedAt - loadStartedAt) / 1000).toFixed(1)} s`);
    await sleep(options.deadForMs);
    for (const victim of victims) {
      victim.process = spawnService({
        label: `${victim.label} (restarted)`,
        script: victim.script,
        env: { ...victim.env, PORT: String(victim.port) },
        readyTimeoutMs: 300_000,
      });
    }
    const readyAt = new Map<Replica, number>();
    for (const v of victims)
      void v.process.ready.then(
        () => readyAt.set(v, Date.now()),
        () => undefined,
      );

    // Back in rotation = the first 200 nginx logged from the replica's port after it was spawned.
    // A light extra client keeps asking until every restarted replica has served, so that a start
    // outlasting the load is still measured; its answers are checked like the load's.
    const servedSince = (v: Replica, entries: AccessLogEntry[]) =>
      entries.find(
        (e) => e.at >= v.process.spawnedAt && e.attempts.some((a) => a.port === v.port && a.status === '200'),
      )?.at ?? null;
    const trickle = { requests: 0, wrong: [] as string[] };
    let log = lb.accessLog();
    const deadline = Date.now() + 300_000;
    while (victims.some((v) => servedSince(v, log) === null)) {
      const exited = victims.find((v) => v.process.child.exitCode !== null);
      if (exited) throw new Error(`${exited.label} exited after its restart: ${exited.process.output().slice(-800)}`);
      if (Date.now() > deadline)
        throw new Error(
          `not back in rotation after 300 s: ${victims
            .filter((v) => servedSince(v, log) === null)
            .map((v) => v.label)
            .join(', ')}`,
        );
      trickle.requests++;
      try {
        const res = await fetch(lb.url('gateway'), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        const text = await res.text();
        if (res.status !== 200 || text !== expected) trickle.wrong.push(`${res.status} ${text.slice(0, 300)}`);
      } catch (error) {
        trickle.wrong.push(`network error: ${(error as Error).message}`);
      }
      await sleep(50);
      log = lb.accessLog();
    }
    say(
      `restarted ones back in rotation: ${victims.map((v) => `${v.label} ${(((servedSince(v, log) ?? 0) - v.process.spawnedAt) / 1000).toFixed(1)} s`).join(', ')}`,
    );
    await Promise.all(victims.map((v) => v.process.ready));
    const result = await load.done;
    log = lb.accessLog();
    const restarts: Restart[] = victims.map((v) => {
      const served = servedSince(v, log);
      const ready = readyAt.get(v);
      return {
        label: v.label,
        port: v.port,
        killedAt,
        spawnedAt: v.process.spawnedAt,
        readyMs: ready === undefined ? null : ready - v.process.spawnedAt,
        backInRotationMs: served === null ? null : served - v.process.spawnedAt,
      };
    });
    const failed = result.errors + result.non2xx + result.wrong + trickle.wrong.length;
    // The gateways write what they counted as they stop (SIGTERM), then the peaks are final.
    await Promise.all(replicas.map((r) => r.process.stop('SIGTERM')));
    const pooledRun: PooledRun | null =
      pooled && sampling
        ? {
            peaks: await sampling.stop(),
            jobsMs,
            usageCounted: await usageCounted(pooled, options.databaseUrl, options.pooler?.as.usageSchema ?? ''),
          }
        : null;
    sampling = undefined;
    return {
      processes: replicas.length,
      requests: result.requests.total + trickle.requests,
      throughputRps: Math.round((result.requests.total / result.duration) * 10) / 10,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      maxMs: result.latency.max,
      connectionErrors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      wrongAnswers: result.wrong + trickle.wrong.length,
      samples: [...result.samples, ...trickle.wrong].slice(0, 5),
      restarts,
      retriedByNginx: log.filter((e) => e.attempts.length > 1).length,
      failed,
      startupMs,
      pooled: pooledRun,
    };
  } finally {
    await Promise.all(replicas.map((r) => r.process.stop('SIGTERM')));
    await nginx?.stop();
    await sampling?.stop();
    if (pooled) await pooled.close();
    else await dropSchemas(options.databaseUrl, names.map(schemaOf));
  }
}

/** Requests counted in field usage, read as the administrator. */
async function usageCounted(db: PooledDatabase, adminUrl: string, schema: string): Promise<number> {
  const url = new URL(adminUrl);
  url.pathname = `/${db.database}`;
  return asAdmin(url.toString(), async (c) => {
    const { rows } = await c.query<{ n: string | null }>(
      `select sum(count)::text as n from ${pg.escapeIdentifier(schema)}.usage`,
    );
    return Number(rows[0]?.n ?? 0);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

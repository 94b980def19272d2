import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway } from '@nhs-hub/gateway';
import {
  migrateUsage,
  openUsageDatabase,
  pruneUsage,
  USAGE_POOL_SIZE,
  USAGE_SCHEMA,
  type UsageTarget,
  usesOf,
} from '@nhs-hub/gateway/usage';
import { openDatabase } from '@nhs-hub/kit/db';
import { REPO_ROOT, readGraphConfig } from '@nhs-hub/kit/repo';
import { prepareSubgraph, type SubgraphDefinition, startSubgraph } from '@nhs-hub/kit/subgraph';
import { needService, needSystemTool, postGraphQL, SYSTEM_TOOLS, testDatabaseUrl } from '@nhs-hub/kit/testing';
import { subgraph as geography } from '@nhs-hub/geography';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_POOL_SIZE, budgetProblems, connectionBudget } from '../k8s/budget.js';
import {
  DB_CA_FILE,
  databaseUrl,
  databaseUsers,
  POOLER,
  readerOf,
  roleOf,
  rolesSql,
  USAGE_OWNER,
  USAGE_WRITER,
  WAIT_FOR_DATABASE,
} from '../k8s/generate.js';
import { type Json, K8S_DIR, type Manifest, render } from '../k8s/render.js';

// Absent, the PgBouncer test skips with a line saying how to install it (CI requires it).
const hasPgbouncer = needSystemTool(SYSTEM_TOOLS.pgbouncer).path !== null;
const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });

/**
 * The database side of the manifests: the connection budget worked out from what each overlay
 * renders, and the roles roles.sql creates, used on a real PostgreSQL server the way the pods use
 * them (the serving role reads and can change nothing; each role keeps to its own schema).
 */
/** The subgraphs with tables: each has its roles and schema (releases has no database). */
const entries = readGraphConfig().filter((e) => e.data !== false);
const names = entries.map((e) => e.name);
type Obj = Record<string, Json>;
const ADMIN_URL = testDatabaseUrl() ?? 'postgres://postgres@127.0.0.1:5432/test';
// The roles, the pool and the Jobs' wait are tried on a real PostgreSQL server; without one they skip
// with a line saying how to start it (CI requires it). The budget arithmetic needs none.
const postgres = await needService(SYSTEM_TOOLS.postgresServer, {
  host: new URL(ADMIN_URL).hostname,
  port: Number(new URL(ADMIN_URL).port || 5432),
});

const users = databaseUsers(entries);

describe.each(['overlays/dev', 'overlays/prod'])('the connection budget of %s', (overlay) => {
  const objects = render(join(K8S_DIR, overlay));
  const budget = connectionBudget(objects, users);

  it('keeps every role within its limit and all of them within max_connections less a reserve', () => {
    expect(budgetProblems(budget)).toEqual([]);
    // Each subgraph's two roles and field usage's two (the gateways' writer, their migrate Job's owner).
    expect(budget.roles.map((r) => r.role).sort()).toEqual(
      [...names.flatMap((n) => [roleOf(n), readerOf(n)]), USAGE_OWNER, USAGE_WRITER].sort(),
    );
    // The gateways hold one connection each at most: their writer's demand is their pods, not PgBouncer's pool.
    const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === 'gateway');
    const gateways = Number(((hpa?.spec ?? {}) as Obj).maxReplicas);
    expect(gateways).toBeGreaterThan(0);
    expect(budget.roles.find((r) => r.role === USAGE_WRITER)?.demand).toBeLessThanOrEqual(gateways * USAGE_POOL_SIZE);
    expect(budget.totalLimit).toBeLessThanOrEqual(budget.maxConnections - budget.reserved);
    // The autoscalers' ceiling reaches PgBouncer, not PostgreSQL: clients queue for pooled connections.
    expect(budget.poolerClients).toBeLessThanOrEqual(budget.maxClientConn);
  });

  it('would fail where the old manifests did: no pooler-side cap, or max_connections left at 100', () => {
    const scaled = structuredClone(objects) as Manifest[];
    const cluster = scaled.find((o) => o.kind === 'Cluster') as Manifest;
    ((cluster.spec as Obj).postgresql as Obj).parameters = { max_connections: '100' };
    expect(budgetProblems(connectionBudget(scaled, users)).join('\n')).toMatch(/max_connections 100 - reserve/);
    // Five PgBouncers in front of ten replicas a subgraph (100 client connections): 50 server connections.
    const pooler = scaled.find((o) => o.kind === 'Pooler') as Manifest;
    (pooler.spec as Obj).instances = 5;
    for (const hpa of scaled.filter((o) => o.kind === 'HorizontalPodAutoscaler')) (hpa.spec as Obj).maxReplicas = 10;
    expect(budgetProblems(connectionBudget(scaled, users)).join('\n')).toMatch(
      /role \w+_reader: 50 connections .* > limit/,
    );
    // The gateways' writer too, once they could hold more than PgBouncer's pools: 30 gateways, one connection each.
    for (const hpa of scaled.filter((o) => o.kind === 'HorizontalPodAutoscaler')) (hpa.spec as Obj).maxReplicas = 30;
    expect(budgetProblems(connectionBudget(scaled, users)).join('\n')).toMatch(
      new RegExp(`role ${USAGE_WRITER}: 30 connections .* > limit 20`),
    );
  });
});

describe.skipIf(!postgres.path)('the pool size the budget counts on', () => {
  it('is the pool a hub process opens on PostgreSQL (packages/kit/src/db.ts)', async () => {
    const database = await openDatabase({ url: ADMIN_URL });
    try {
      // More concurrent statements than the pool holds: they share exactly APP_POOL_SIZE backends.
      const pids = await Promise.all(
        Array.from({ length: APP_POOL_SIZE + 5 }, () =>
          database.root
            .selectNoFrom((eb) => [
              eb.fn<number>('pg_backend_pid').as('pid'),
              eb.fn('pg_sleep', [eb.lit(0.2)]).as('slept'),
            ])
            .executeTakeFirstOrThrow(),
        ),
      );
      expect(new Set(pids.map((r) => r.pid)).size).toBe(APP_POOL_SIZE);
    } finally {
      await database.close();
    }
  });

  it("is the gateway's pool on its usage database (gateway/src/usage.ts), whatever asks at once", async () => {
    const database = await openUsageDatabase(ADMIN_URL);
    try {
      const pids = await Promise.all(
        Array.from({ length: 5 }, () =>
          database.root.selectNoFrom((eb) => [eb.fn<number>('pg_backend_pid').as('pid')]).executeTakeFirstOrThrow(),
        ),
      );
      expect(new Set(pids.map((r) => r.pid)).size).toBe(USAGE_POOL_SIZE);
    } finally {
      await database.close();
    }
  });
});

describe.skipIf(!postgres.path)('the roles roles.sql creates, on PostgreSQL', () => {
  const dbName = `hub_roles_${randomBytes(4).toString('hex')}`;
  const admin = new URL(ADMIN_URL);
  const urlAs = (role: string) => {
    const url = new URL(ADMIN_URL);
    url.username = role;
    url.password = '';
    url.pathname = `/${dbName}`;
    return url.toString();
  };
  const adminClient = (database: string) => {
    const url = new URL(ADMIN_URL);
    url.pathname = `/${database}`;
    return new pg.Client({ connectionString: url.toString() });
  };
  const asRole = async (role: string, statement: string) => {
    const client = new pg.Client({ connectionString: urlAs(role) });
    await client.connect();
    try {
      return await client.query(statement);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    const root = adminClient(admin.pathname.slice(1));
    await root.connect();
    await root.query(`create database ${dbName}`);
    await root.end();
    const client = adminClient(dbName);
    await client.connect();
    try {
      await client.query(rolesSql(entries));
      // What CloudNativePG does for each managed role once the database is up: LOGIN and a password.
      for (const name of names)
        for (const role of [roleOf(name), readerOf(name)]) await client.query(`alter role ${role} login`);
      for (const role of [USAGE_OWNER, USAGE_WRITER]) await client.query(`alter role ${role} login`);
    } finally {
      await client.end();
    }
    // The migrate Job: the schema owner migrates and seeds its schema.
    const owner = await openDatabase({ url: urlAs(roleOf('geography')) });
    try {
      await prepareSubgraph(geography as SubgraphDefinition<unknown>, owner, 'geography', true);
    } finally {
      await owner.close();
    }
  }, 120_000);

  afterAll(async () => {
    const root = adminClient(admin.pathname.slice(1));
    await root.connect();
    await root.query(`drop database if exists ${dbName} with (force)`);
    await root.end();
  });

  it('serves the subgraph as the read-only role, verifying migrations without writing', async () => {
    const database = await openDatabase({ url: urlAs(readerOf('geography')) });
    const running = await startSubgraph(geography as SubgraphDefinition<unknown>, {
      database,
      migrate: 'verify',
      seed: false,
      port: 0,
      host: '127.0.0.1',
    });
    try {
      const ready = await fetch(new URL('/health/ready', running.url));
      expect(ready.status).toBe(200);
      const res = await fetch(new URL('/graphql', running.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ stps(first: 1) { totalCount } }' }),
      });
      const body = (await res.json()) as { data?: { stps: { totalCount: number } }; errors?: unknown };
      expect(body.errors).toBeUndefined();
      expect(body.data?.stps.totalCount).toBeGreaterThan(0);
    } finally {
      await running.close();
      await database.close();
    }
  });

  it('refuses DDL and writes from the serving role: permission denied', async () => {
    const reader = readerOf('geography');
    const { rows } = await asRole(
      reader,
      "select table_name from information_schema.tables where table_schema = 'geography' and table_type = 'BASE TABLE' order by 1 limit 1",
    );
    const table = `geography.${String(rows[0]?.table_name)}`;
    await expect(asRole(reader, 'create table geography.planted (x int)')).rejects.toThrow(
      /permission denied for schema geography/,
    );
    await expect(asRole(reader, `drop table ${table}`)).rejects.toThrow(/must be owner of table/);
    await expect(asRole(reader, `delete from ${table}`)).rejects.toThrow(/permission denied for table/);
    await expect(asRole(reader, `update ${table} set ${await firstColumn(table)} = null`)).rejects.toThrow(
      /permission denied for table/,
    );
    await expect(asRole(reader, `truncate ${table}`)).rejects.toThrow(/permission denied for table/);
    await expect(asRole(reader, 'create schema planted')).rejects.toThrow(/permission denied for database/);
    await expect(asRole(reader, 'create table public.planted (x int)')).rejects.toThrow(
      /permission denied for schema public/,
    );
  });

  /**
   * A gateway as deployed: HUB_MIGRATE=verify, its usage database opened as the gateway opens it, at
   * `usageUrl`; in front of the geography subgraph served as its reader role (at `geographyUrl`).
   */
  const startRecordingGateway = async (usageUrl: string, geographyUrl: string) => {
    const usage = await openUsageDatabase(usageUrl);
    const gateway = await startGateway({
      supergraphSdl: readFileSync(join(REPO_ROOT, 'schema/supergraph.graphql'), 'utf8'),
      subgraphUrls: { geography: geographyUrl },
      port: 0,
      host: '127.0.0.1',
      // Batches when the test says, not on a timer.
      usage: { database: usage.root, migrate: 'verify', flushIntervalMs: 3_600_000 },
    });
    const ask = async () => {
      const { status, body } = await postGraphQL<{ stps: { totalCount: number } }>(
        gateway.url,
        'query StpCount { stps(first: 1) { totalCount } }',
        {},
        { 'graphql-client-name': 'infra-test', 'graphql-client-version': '1.0' },
      );
      expect(body.errors).toBeUndefined();
      expect(status).toBe(200);
      expect(body.data?.stps.totalCount).toBeGreaterThan(0);
    };
    return {
      gateway,
      ask,
      target: { db: usage.root, schema: USAGE_SCHEMA } satisfies UsageTarget,
      close: async () => {
        await gateway.close();
        await usage.close();
      },
    };
  };
  const serveGeography = async (url: string) => {
    const database = await openDatabase({ url });
    const running = await startSubgraph(geography as SubgraphDefinition<unknown>, {
      database,
      migrate: 'verify',
      seed: false,
      port: 0,
      host: '127.0.0.1',
    });
    return {
      url: new URL('/graphql', running.url).toString(),
      close: async () => {
        await running.close();
        await database.close();
      },
    };
  };
  const usageTables = async () => {
    const { rows } = await asRole(
      admin.username,
      `select table_name, table_schema from information_schema.tables where table_schema = '${USAGE_SCHEMA}' order by 1`,
    );
    return rows.map((r) => String(r.table_name));
  };

  it("records field usage as the gateways' role, into the tables only the gateway's migrate Job creates", async () => {
    const subgraph = await serveGeography(urlAs(readerOf('geography')));
    const recording = await startRecordingGateway(urlAs(USAGE_WRITER), subgraph.url);
    try {
      // Started before its Job has run (a rollout may): it creates nothing, and keeps what it counted.
      await recording.ask();
      await recording.gateway.usage?.flush();
      expect(recording.gateway.usage?.pending()).toBe(1);
      expect(await usageTables()).toEqual([]);
      // The Job (`node dist/gateway.mjs migrate`), as the schema's owner; run twice, as each release's Job does.
      expect(await migrateUsage(urlAs(USAGE_OWNER))).toBe(0);
      expect(await migrateUsage(urlAs(USAGE_OWNER))).toBe(0);
      expect(await usageTables()).toEqual(['operation', 'operation_coordinate', 'usage']);
      await recording.ask();
      await recording.gateway.usage?.flush();
      expect(recording.gateway.usage?.pending()).toBe(0);
      const uses = await usesOf(recording.target, ['Query.stps(first:)', 'StpPage.totalCount'], 0);
      expect(uses.map((u) => [u.coordinate, u.clientName, u.clientVersion, u.operationName, u.count])).toEqual([
        ['Query.stps(first:)', 'infra-test', '1.0', 'StpCount', 2],
        ['StpPage.totalCount', 'infra-test', '1.0', 'StpCount', 2],
      ]);
      // Retention, as the same role: the hour rolled into its day, then, past 90 days, gone with its operation.
      await pruneUsage(recording.target, Date.now() + 8 * 86_400_000);
      const { rows: spans } = await asRole(USAGE_WRITER, `select span, count from ${USAGE_SCHEMA}.usage`);
      expect(spans).toEqual([{ span: 'day', count: '2' }]);
      await pruneUsage(recording.target, Date.now() + 91 * 86_400_000);
      expect(await usesOf(recording.target, ['Query.stps(first:)'], 0)).toEqual([]);
      const { rows: operations } = await asRole(
        USAGE_WRITER,
        `select count(*)::int as n from ${USAGE_SCHEMA}.operation`,
      );
      expect(operations).toEqual([{ n: 0 }]);
    } finally {
      await recording.close();
      await subgraph.close();
    }
  }, 60_000);

  it("refuses the gateways' role DDL, TRUNCATE and every subgraph's schema: permission denied", async () => {
    // The tables exist (the test above ran the Job); make sure whatever the order.
    expect(await migrateUsage(urlAs(USAGE_OWNER))).toBe(0);
    const usage = `${USAGE_SCHEMA}.usage`;
    await expect(asRole(USAGE_WRITER, `create table ${USAGE_SCHEMA}.planted (x int)`)).rejects.toThrow(
      /permission denied for schema hub_usage/,
    );
    await expect(asRole(USAGE_WRITER, `drop table ${usage}`)).rejects.toThrow(/must be owner of table usage/);
    await expect(asRole(USAGE_WRITER, `alter table ${usage} add column planted int`)).rejects.toThrow(
      /must be owner of table usage/,
    );
    await expect(asRole(USAGE_WRITER, `truncate ${usage}`)).rejects.toThrow(/permission denied for table usage/);
    await expect(asRole(USAGE_WRITER, 'create schema planted')).rejects.toThrow(/permission denied for database/);
    await expect(asRole(USAGE_WRITER, 'create table public.planted (x int)')).rejects.toThrow(
      /permission denied for schema public/,
    );
    for (const name of names) {
      await expect(asRole(USAGE_WRITER, `select * from ${name}.hub_seed`), name).rejects.toThrow(
        new RegExp(`permission denied for schema ${name}`),
      );
      await expect(asRole(USAGE_WRITER, `create table ${name}.planted (x int)`), name).rejects.toThrow(
        new RegExp(`permission denied for schema ${name}`),
      );
    }
    // Nor can a subgraph's roles touch field usage.
    for (const role of [roleOf('geography'), readerOf('geography')])
      await expect(asRole(role, `select * from ${usage}`), role).rejects.toThrow(
        /permission denied for schema hub_usage/,
      );
    // The owner, the Job's role, still can change its schema.
    await asRole(USAGE_OWNER, `create table ${USAGE_SCHEMA}.owned (x int); drop table ${USAGE_SCHEMA}.owned`);
  });

  it("keeps every role out of every other subgraph's schema", async () => {
    for (const role of [roleOf('geography'), readerOf('geography')]) {
      await expect(asRole(role, 'create table finance.planted (x int)'), role).rejects.toThrow(
        /permission denied for schema finance/,
      );
      await expect(asRole(role, 'select * from finance.anything'), role).rejects.toThrow(
        /permission denied for schema finance/,
      );
    }
    // The owner can still change its own schema: the Jobs need it.
    await asRole(roleOf('geography'), 'create table geography.owned (x int); drop table geography.owned');
  });

  describe.skipIf(!hasPgbouncer)('through PgBouncer, configured as the Pooler is', () => {
    let dir: string;
    let port: number;
    let bouncer: ChildProcess;
    const reader = readerOf('geography');
    const pooler = render(join(K8S_DIR, 'overlays/prod')).find((o) => o.kind === 'Pooler') as Manifest;
    const pgbouncer = (pooler.spec as Obj).pgbouncer as Obj;
    const parameters = pgbouncer.parameters as Record<string, string>;
    const poolSize = Number(parameters.default_pool_size);
    const viaBouncer = (role = reader) => {
      const url = new URL(urlAs(role));
      url.hostname = '127.0.0.1';
      url.port = String(port);
      return url.toString();
    };

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'hub-pgbouncer-'));
      port = await freePort();
      const admin = new URL(ADMIN_URL);
      writeFileSync(join(dir, 'users.txt'), `"${reader}" ""\n"${USAGE_WRITER}" ""\n`);
      writeFileSync(
        join(dir, 'pgbouncer.ini'),
        [
          '[databases]',
          `${dbName} = host=${admin.hostname} port=${admin.port || 5432} dbname=${dbName}`,
          '[pgbouncer]',
          'listen_addr = 127.0.0.1',
          `listen_port = ${port}`,
          'unix_socket_dir =',
          'auth_type = trust',
          `auth_file = ${join(dir, 'users.txt')}`,
          `pool_mode = ${String(pgbouncer.poolMode)}`,
          // The Pooler's own parameters, as CloudNativePG writes them into its pgbouncer.ini.
          ...Object.entries(parameters).map(([k, v]) => `${k} = ${v}`),
          `logfile = ${join(dir, 'pgbouncer.log')}`,
          '',
        ].join('\n'),
      );
      // PgBouncer refuses to run as root: as CI runs, it runs as the postgres user.
      const asRoot = process.getuid?.() === 0;
      if (asRoot) spawnSync('chown', ['-R', 'postgres', dir]);
      bouncer = asRoot
        ? spawn('runuser', ['-u', 'postgres', '--', 'pgbouncer', join(dir, 'pgbouncer.ini')])
        : spawn('pgbouncer', [join(dir, 'pgbouncer.ini')]);
      for (let i = 0; i < 50; i++) {
        const probe = new pg.Client({ connectionString: viaBouncer() });
        const ok = await probe.connect().then(
          () => true,
          () => false,
        );
        await probe.end().catch(() => undefined);
        if (ok) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }, 20_000);

    afterAll(() => {
      bouncer?.kill();
      rmSync(dir, { recursive: true, force: true });
    });

    it('serves the subgraph in transaction pooling, and queues replicas past the pool instead of refusing them', async () => {
      const database = await openDatabase({ url: viaBouncer() });
      const running = await startSubgraph(geography as SubgraphDefinition<unknown>, {
        database,
        migrate: 'verify',
        seed: false,
        port: 0,
        host: '127.0.0.1',
      });
      // Three replicas' pools at once: more clients than PgBouncer has server connections for the role.
      const replicas = await Promise.all([1, 2, 3].map(() => openDatabase({ url: viaBouncer() })));
      const watcher = new pg.Client({ connectionString: urlAs('postgres') });
      await watcher.connect();
      try {
        expect((await fetch(new URL('/health/ready', running.url))).status).toBe(200);
        let most = 0;
        let sampling = true;
        const sample = (async () => {
          while (sampling) {
            const { rows } = await watcher.query<{ n: string }>(
              'select count(*) as n from pg_stat_activity where usename = $1',
              [reader],
            );
            most = Math.max(most, Number(rows[0]?.n));
            await new Promise((r) => setTimeout(r, 20));
          }
        })();
        const answers = await Promise.all(
          replicas.flatMap((replica) =>
            Array.from({ length: APP_POOL_SIZE }, () =>
              replica.root
                .selectNoFrom((eb) => [eb.fn('pg_sleep', [eb.lit(0.2)]).as('slept'), eb.lit(1).as('one')])
                .executeTakeFirstOrThrow(),
            ),
          ),
        );
        sampling = false;
        await sample;
        // Every one of 30 statements answered, over at most the pool's server connections.
        expect(answers).toHaveLength(3 * APP_POOL_SIZE);
        expect(most).toBeGreaterThan(0);
        expect(most).toBeLessThanOrEqual(poolSize);
        const res = await fetch(new URL('/graphql', running.url), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ stps(first: 2) { totalCount nodes { code } } }' }),
        });
        const body = (await res.json()) as { errors?: unknown; data?: { stps: { totalCount: number } } };
        expect(body.errors).toBeUndefined();
        expect(body.data?.stps.totalCount).toBeGreaterThan(0);
      } finally {
        await watcher.end();
        await Promise.all(replicas.map((r) => r.close()));
        await running.close();
        await database.close();
      }
    }, 60_000);

    it("carries the gateways' field usage in transaction pooling, as their own role", async () => {
      expect(await migrateUsage(urlAs(USAGE_OWNER))).toBe(0);
      const subgraph = await serveGeography(viaBouncer());
      const recording = await startRecordingGateway(viaBouncer(USAGE_WRITER), subgraph.url);
      const counted = async () =>
        (await usesOf(recording.target, ['Query.stps(first:)'], 0)).reduce((n, u) => n + u.count, 0);
      try {
        const before = await counted();
        for (let i = 0; i < 3; i++) await recording.ask();
        await recording.gateway.usage?.flush();
        expect(recording.gateway.usage?.pending()).toBe(0);
        expect((await counted()) - before).toBe(3);
        // Retention's transaction through PgBouncer too.
        await pruneUsage(recording.target, Date.now() + 91 * 86_400_000);
        expect(await counted()).toBe(0);
      } finally {
        await recording.close();
        await subgraph.close();
      }
    }, 60_000);
  });

  async function firstColumn(table: string): Promise<string> {
    const [schema, name] = table.split('.');
    const { rows } = await asRole(
      readerOf('geography'),
      // An identity column refuses `= null` before privileges are checked (the kit's release tables have one).
      `select column_name from information_schema.columns where table_schema = '${schema}' and table_name = '${name}' and is_identity = 'NO' order by ordinal_position limit 1`,
    );
    return String(rows[0]?.column_name);
  }
});

describe("the DATABASE_URL the runbook writes into each role's Secret", () => {
  const readme = readFileSync(join(REPO_ROOT, 'infra/README.md'), 'utf8');
  const template = /--from-literal=uri="([^"]+)"/.exec(readme.slice(readme.indexOf('hub_db_secret() {')))?.[1];

  it('is the one the manifests expect: TLS verified against the mounted cluster CA, host name included', () => {
    expect(template).toBeDefined();
    const filled = String(template).replace(/\$1/g, 'finance_reader').replace(/\$2/g, POOLER).replace(/\$3/g, 'pw');
    expect(filled).toBe(databaseUrl('finance_reader', POOLER, 'pw'));
    // node-postgres reads it as the pods will: the CA from the mounted file, the server's name checked.
    const dir = mkdtempSync(join(tmpdir(), 'hub-db-ca-'));
    try {
      writeFileSync(join(dir, 'ca.crt'), 'CA CERTIFICATE');
      const client = new pg.Client({ connectionString: filled.replace(DB_CA_FILE, join(dir, 'ca.crt')) });
      const ssl = (
        client as unknown as { ssl: { ca?: string; rejectUnauthorized?: boolean; checkServerIdentity?: unknown } }
      ).ssl;
      expect(ssl.ca).toBe('CA CERTIFICATE');
      expect(ssl.rejectUnauthorized).not.toBe(false);
      expect(ssl.checkServerIdentity).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!postgres.path)("the migrate Jobs' wait for the database (their init container's script)", () => {
  const waitFor = (url: string) =>
    spawn(process.execPath, ['-e', WAIT_FOR_DATABASE], {
      cwd: join(REPO_ROOT, 'infra'),
      env: { PATH: process.env.PATH, DATABASE_URL: url },
    });

  it('ends as soon as the database answers', async () => {
    const child = waitFor(ADMIN_URL);
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(out).toContain('the database answers');
  });

  it('keeps waiting while nothing answers, saying why', async () => {
    const closed = new URL(ADMIN_URL);
    closed.port = '1';
    const child = waitFor(closed.toString());
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(child.exitCode).toBeNull();
    child.kill();
    expect(out).toMatch(/waiting for the database: .*ECONNREFUSED/);
  });
});

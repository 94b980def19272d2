import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@nhs-hub/kit/testing';
import pg from 'pg';
import { asAdmin } from './postgres.js';

/**
 * PostgreSQL as the deployment reaches it (infra/k8s): a database of its own with the roles and
 * schemas of infra/k8s/base/postgres/roles.sql, each role's connection limit as the Cluster's
 * managed roles set it, and Debian's pgbouncer in front of it as the Pooler runs it (its pool mode
 * and parameters). The migrate Jobs connect straight to PostgreSQL as the schema owners; the
 * serving processes through PgBouncer as their own roles. PostgreSQL's own count of connections
 * (pg_stat_activity) and PgBouncer's (SHOW POOLS) are sampled while it runs.
 */
export interface PoolerSettings {
  /** The pgbouncer executable. */
  readonly pgbouncer: string;
  /** The Pooler's `pgbouncer.poolMode`. */
  readonly poolMode: string;
  /** The Pooler's `pgbouncer.parameters`, as CloudNativePG writes them into pgbouncer.ini. */
  readonly parameters: Readonly<Record<string, string>>;
  /** roles.sql, run in the new database as CloudNativePG's bootstrap runs it. */
  readonly rolesSql: string;
  /** The Cluster's managed roles: each gets LOGIN and its connection limit, as the operator gives them. */
  readonly roles: readonly { readonly name: string; readonly connectionLimit: number }[];
}

/** The most seen at once while sampling. */
export interface ConnectionPeaks {
  /** PostgreSQL's backends in the database, per role: the server connections PgBouncer opened for it. */
  readonly serverByRole: Readonly<Record<string, number>>;
  /** Those of the roles sampled for (the ones that come through PgBouncer) together, at one moment. */
  readonly serverTotal: number;
  /** Clients PgBouncer held waiting for a server connection, all pools together, at one moment. */
  readonly clientsWaiting: number;
  /** Client connections to PgBouncer, at one moment. */
  readonly clientsActive: number;
  readonly samples: number;
}

export interface PooledDatabase {
  readonly database: string;
  /** Straight to PostgreSQL as `role` (the migrate Jobs). */
  direct(role: string): string;
  /** Through PgBouncer as `role` (the serving processes). */
  pooled(role: string): string;
  /**
   * Starts sampling connections every `everyMs`, totalling those of `pooledRoles`; `stop` ends it
   * and returns the peaks.
   */
  sample(everyMs: number, pooledRoles: readonly string[]): { stop(): Promise<ConnectionPeaks> };
  /** Stops PgBouncer, drops the database and takes back the roles' login and limits. */
  close(): Promise<void>;
}

export async function startPooledDatabase(
  adminUrl: string,
  database: string,
  settings: PoolerSettings,
): Promise<PooledDatabase> {
  const admin = new URL(adminUrl);
  const inDatabase = (db: string) => {
    const url = new URL(adminUrl);
    url.pathname = `/${db}`;
    return url.toString();
  };
  await asAdmin(adminUrl, (c) => c.query(`create database ${pg.escapeIdentifier(database)}`));
  const roleNames = settings.roles.map((r) => r.name);
  const dir = mkdtempSync(join(tmpdir(), 'hub-pgbouncer-'));
  let bouncer: ChildProcess | undefined;
  try {
    await asAdmin(inDatabase(database), async (c) => {
      await c.query(settings.rolesSql);
      for (const role of settings.roles)
        await c.query(`alter role ${pg.escapeIdentifier(role.name)} login connection limit ${role.connectionLimit}`);
    });
    const port = await freePort();
    // Loopback trusts every role (as the server does); PgBouncer still wants each one listed.
    writeFileSync(join(dir, 'users.txt'), `${[admin.username, ...roleNames].map((r) => `"${r}" ""`).join('\n')}\n`);
    writeFileSync(
      join(dir, 'pgbouncer.ini'),
      [
        '[databases]',
        `${database} = host=${admin.hostname} port=${admin.port || 5432} dbname=${database}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${port}`,
        'unix_socket_dir =',
        'auth_type = trust',
        `auth_file = ${join(dir, 'users.txt')}`,
        // SHOW POOLS for the sampler, on PgBouncer's console.
        `stats_users = ${admin.username}`,
        `pool_mode = ${settings.poolMode}`,
        ...Object.entries(settings.parameters).map(([k, v]) => `${k} = ${v}`),
        `logfile = ${join(dir, 'pgbouncer.log')}`,
        '',
      ].join('\n'),
    );
    // PgBouncer refuses to run as root: where this runs as root, it runs as the postgres user (as CI does).
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      const { stdout } = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
      chownSync(dir, Number(stdout.trim()), -1);
      for (const file of ['users.txt', 'pgbouncer.ini']) chownSync(join(dir, file), Number(stdout.trim()), -1);
    }
    bouncer = asRoot
      ? spawn('runuser', ['-u', 'postgres', '--', settings.pgbouncer, join(dir, 'pgbouncer.ini')], { stdio: 'ignore' })
      : spawn(settings.pgbouncer, [join(dir, 'pgbouncer.ini')], { stdio: 'ignore' });
    const viaBouncer = (role: string, db = database) => {
      const url = new URL(adminUrl);
      url.username = role;
      url.password = '';
      url.hostname = '127.0.0.1';
      url.port = String(port);
      url.pathname = `/${db}`;
      return url.toString();
    };
    // On its console, so that the probe opens no server connection.
    await waitForBouncer(viaBouncer(admin.username, 'pgbouncer'), () => readLog(dir));
    const started = bouncer;
    return {
      database,
      direct(role) {
        const url = new URL(inDatabase(database));
        url.username = role;
        url.password = '';
        return url.toString();
      },
      pooled: (role) => viaBouncer(role),
      sample(everyMs, pooledRoles) {
        return sampleConnections(
          inDatabase(database),
          viaBouncer(admin.username, 'pgbouncer'),
          database,
          everyMs,
          pooledRoles,
        );
      },
      async close() {
        await stopBouncer(started);
        rmSync(dir, { recursive: true, force: true });
        await dropAll(adminUrl, database, roleNames);
      },
    };
  } catch (error) {
    if (bouncer) await stopBouncer(bouncer);
    rmSync(dir, { recursive: true, force: true });
    await dropAll(adminUrl, database, roleNames);
    throw error;
  }
}

const readLog = (dir: string) => {
  try {
    return readFileSync(join(dir, 'pgbouncer.log'), 'utf8').slice(-1500);
  } catch {
    return '(no log)';
  }
};

async function waitForBouncer(url: string, log: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const probe = new pg.Client({ connectionString: url });
    const ok = await probe.connect().then(
      () => true,
      () => false,
    );
    await probe.end().catch(() => undefined);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`pgbouncer did not accept connections within 10 s:\n${log()}`);
}

async function stopBouncer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/**
 * The database goes (with any connection left in it); the roles are the cluster's, shared with
 * every database on the server, so they keep existing but lose the login and limits given here.
 */
async function dropAll(adminUrl: string, database: string, roles: readonly string[]): Promise<void> {
  await asAdmin(adminUrl, async (c) => {
    await c.query(`drop database if exists ${pg.escapeIdentifier(database)} with (force)`);
    for (const role of roles) {
      const { rowCount } = await c.query('select 1 from pg_roles where rolname = $1', [role]);
      if (rowCount) await c.query(`alter role ${pg.escapeIdentifier(role)} connection limit -1`);
    }
  });
}

function sampleConnections(
  databaseUrl: string,
  consoleUrl: string,
  database: string,
  everyMs: number,
  pooledRoles: readonly string[],
): { stop(): Promise<ConnectionPeaks> } {
  const serverByRole: Record<string, number> = {};
  let serverTotal = 0;
  let clientsWaiting = 0;
  let clientsActive = 0;
  let samples = 0;
  let running = true;
  const loop = (async () => {
    const server = new pg.Client({ connectionString: databaseUrl });
    // PgBouncer's console speaks the simple query protocol only, which a query without parameters uses.
    const console_ = new pg.Client({ connectionString: consoleUrl });
    await Promise.all([server.connect(), console_.connect()]);
    try {
      while (running) {
        const [{ rows: backends }, { rows: pools }] = await Promise.all([
          server.query<{ role: string; n: number }>(
            `select usename as role, count(*)::int as n from pg_stat_activity
             where datname = $1 and backend_type = 'client backend' and pid <> pg_backend_pid() group by usename`,
            [database],
          ),
          console_.query<{ database: string; cl_active: string; cl_waiting: string }>('SHOW POOLS'),
        ]);
        let total = 0;
        for (const { role, n } of backends) {
          serverByRole[role] = Math.max(serverByRole[role] ?? 0, n);
          if (pooledRoles.includes(role)) total += n;
        }
        serverTotal = Math.max(serverTotal, total);
        const ours = pools.filter((p) => p.database === database);
        clientsWaiting = Math.max(
          clientsWaiting,
          ours.reduce((n, p) => n + Number(p.cl_waiting), 0),
        );
        clientsActive = Math.max(
          clientsActive,
          ours.reduce((n, p) => n + Number(p.cl_active), 0),
        );
        samples++;
        await new Promise((r) => setTimeout(r, everyMs));
      }
    } finally {
      await Promise.all([server.end(), console_.end()]);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { serverByRole, serverTotal, clientsWaiting, clientsActive, samples };
    },
  };
}

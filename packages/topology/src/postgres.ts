import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { missingTool, SYSTEM_TOOLS, testDatabaseUrl } from '@nhs-hub/kit/testing';
import pg from 'pg';

/**
 * These tests are about PostgreSQL itself (advisory locks, roles, concurrent sessions), so they
 * always use a server: the one the run names, else the one every machine of this project has.
 */
export const POSTGRES_URL = testDatabaseUrl() ?? 'postgres://postgres@127.0.0.1:5432/test';

export type PostgresAvailability =
  | { readonly url: string; readonly skip: null }
  | { readonly url: string; readonly skip: string };

/**
 * Whether the PostgreSQL-only tests run, and why not. CI runs `npm test` twice, on PostgreSQL and on
 * PGlite; they need no second run on the same server, so the PGlite pass skips them and says so.
 */
export async function postgresForTests(): Promise<PostgresAvailability> {
  if (process.env.EXPECT_DATABASE === 'pglite') {
    return {
      url: POSTGRES_URL,
      skip: 'PostgreSQL-only: run in the PostgreSQL pass of npm test (EXPECT_DATABASE=pglite here)',
    };
  }
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return { url: POSTGRES_URL, skip: null };
  } catch (error) {
    // CI's PostgreSQL pass requires the server: there a missing server fails, never skips.
    if (process.env.EXPECT_DATABASE === 'postgres') throw error;
    // One line saying how to get one; with HUB_REQUIRE_SYSTEM_TOOLS=1 (CI) this throws instead.
    const host = new URL(POSTGRES_URL).host;
    const tool = { ...SYSTEM_TOOLS.postgresServer, name: `a PostgreSQL server at ${host}` };
    return { url: POSTGRES_URL, skip: missingTool(tool) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A throw-away name for schemas and roles; lower-case so it needs no quoting. */
export function throwAwayName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

/** Runs statements as the administrator the tests connect as. */
export async function asAdmin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function dropSchemas(url: string, schemas: readonly string[]): Promise<void> {
  await asAdmin(url, async (client) => {
    for (const schema of schemas) await client.query(`drop schema if exists ${pg.escapeIdentifier(schema)} cascade`);
  });
}

/** Rows per table in one schema, counted in SQL. */
export async function rowCounts(
  url: string,
  schema: string,
  tables: readonly string[],
): Promise<Record<string, number>> {
  return asAdmin(url, async (client) => {
    const counts: Record<string, number> = {};
    for (const table of tables) {
      const { rows } = await client.query<{ n: string }>(
        `select count(*) as n from ${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(table)}`,
      );
      counts[table] = Number(rows[0]?.n);
    }
    return counts;
  });
}

export const ROLES_SQL_PATH = fileURLToPath(new URL('../../../infra/k8s/base/postgres/roles.sql', import.meta.url));

/** A throw-away copy of infra/k8s/base/postgres/roles.sql: every role and schema name prefixed. */
export interface RolesCopy {
  readonly sql: string;
  /**
   * What CloudNativePG's managed roles (cluster.yaml, `login: true`) add on top of roles.sql,
   * which creates the roles without login: here, ALTER ROLE ... LOGIN (loopback trusts, so no password).
   */
  readonly loginSql: string;
  role(subgraph: string): string;
  schema(subgraph: string): string;
  /** A connection string that logs in as a subgraph's role. */
  urlFor(subgraph: string): string;
  /** Drops the copy's schemas and roles. */
  drop(): Promise<void>;
}

/**
 * roles.sql names each subgraph's schema after the subgraph, its owner role the same or
 * hub_<subgraph>, its serving role <name>_reader, and field usage's schema and roles hub_usage and
 * hub_usage_writer; the copy prefixes exactly those names, so what the test runs is the production
 * file and nothing else, and nothing of it lands on a name another test or a real hub uses.
 */
export function rolesCopy(url: string, prefix: string, subgraphs: readonly string[]): RolesCopy {
  const original = readFileSync(ROLES_SQL_PATH, 'utf8');
  const hubPrefixed = subgraphs.every((s) => new RegExp(`\\bhub_${s}\\b`).test(original));
  const role = (subgraph: string) => (hubPrefixed ? `${prefix}_hub_${subgraph}` : `${prefix}_${subgraph}`);
  const schema = (subgraph: string) => `${prefix}_${subgraph}`;
  const named = new RegExp(`\\b(?:(?:hub_)?(?:${subgraphs.join('|')})|hub_usage)(?:_reader|_writer)?\\b`, 'g');
  const sql = original.replace(named, (name) => `${prefix}_${name}`);
  /** Every role and schema the copy made: whatever roles.sql names, prefixed. */
  const made = () => [...new Set(sql.match(new RegExp(`\\b${prefix}_\\w+`, 'g')) ?? [])];
  return {
    sql,
    loginSql: subgraphs.map((s) => `ALTER ROLE ${pg.escapeIdentifier(role(s))} LOGIN;`).join('\n'),
    role,
    schema,
    urlFor(subgraph) {
      const login = new URL(url);
      login.username = role(subgraph);
      login.password = '';
      return login.toString();
    },
    async drop() {
      await asAdmin(url, async (client) => {
        const names = made();
        for (const name of names) await client.query(`drop schema if exists ${pg.escapeIdentifier(name)} cascade`);
        const { rows } = await client.query<{ rolname: string }>(
          'select rolname from pg_roles where rolname = any($1)',
          [names],
        );
        // Anything else they came to own or were granted (CONNECT on the database), then the roles.
        for (const { rolname } of rows) await client.query(`drop owned by ${pg.escapeIdentifier(rolname)}`);
        for (const { rolname } of rows) await client.query(`drop role ${pg.escapeIdentifier(rolname)}`);
        // roles.sql closed the database to PUBLIC, as it should in a cluster of the hub's own; this one
        // is shared with every other test, so give back PostgreSQL's defaults (CONNECT and TEMPORARY).
        // Its REVOKE CREATE ON SCHEMA public is PostgreSQL 15's default already.
        await client.query(
          "DO $$ BEGIN EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO PUBLIC', current_database()); END $$",
        );
      });
    },
  };
}

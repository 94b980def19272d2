import { linesMatching, postGraphQL, stopAllProcesses } from '@nhs-hub/kit/testing';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { asAdmin, postgresForTests, type RolesCopy, rolesCopy, rowCounts, throwAwayName } from './postgres.js';
import { dataSubgraphNames, spawnService, subgraphScript } from './processes.js';

/**
 * Each subgraph on its own PostgreSQL role, created by infra/k8s/base/postgres/roles.sql (a
 * throw-away copy of it): a subgraph migrates, seeds and serves inside its own schema, and
 * PostgreSQL itself refuses it everything else.
 */
const pgTests = await postgresForTests();
let roles: RolesCopy | undefined;
afterAll(async () => {
  await stopAllProcesses();
  await roles?.drop();
});

/** Runs one statement as a subgraph's role and returns PostgreSQL's error, if any. */
async function asRole(
  subgraph: string,
  statement: string,
): Promise<{ rows: Record<string, unknown>[]; error: { code?: string; message: string } | null }> {
  const client = new pg.Client({ connectionString: roles?.urlFor(subgraph) });
  await client.connect();
  try {
    const { rows } = await client.query(statement);
    return { rows, error: null };
  } catch (error) {
    return { rows: [], error: error as { code?: string; message: string } };
  } finally {
    await client.end();
  }
}

describe.skipIf(pgTests.skip !== null)(
  `one PostgreSQL role per subgraph${pgTests.skip ? ` (skipped: ${pgTests.skip})` : ''}`,
  () => {
    it('roles.sql gives every subgraph a role and a schema of its own, and applies twice', async () => {
      const subgraphs = dataSubgraphNames();
      roles = rolesCopy(pgTests.url, throwAwayName('lp'), subgraphs);
      const copy = roles;
      await asAdmin(pgTests.url, async (c) => {
        await c.query(copy.sql);
        await c.query(copy.sql); // re-runnable: CloudNativePG's bootstrap or an operator may apply it again
        await c.query(copy.loginSql);
        const { rows } = await c.query<{
          nspname: string;
          owner: string;
          rolcanlogin: boolean;
          rolsuper: boolean;
          rolcreatedb: boolean;
          rolcreaterole: boolean;
        }>(
          `select n.nspname, r.rolname as owner, r.rolcanlogin, r.rolsuper, r.rolcreatedb, r.rolcreaterole
           from pg_namespace n join pg_roles r on r.oid = n.nspowner where n.nspname = any($1) order by n.nspname`,
          [subgraphs.map(copy.schema)],
        );
        expect(rows).toEqual(
          subgraphs
            .map((s) => ({
              nspname: copy.schema(s),
              owner: copy.role(s),
              rolcanlogin: true,
              rolsuper: false,
              rolcreatedb: false,
              rolcreaterole: false,
            }))
            .sort((a, b) => a.nspname.localeCompare(b.nspname)),
        );
      });
    });

    it('organisations migrates, seeds and serves under its own role; it cannot read finance, nor create outside its schema', async () => {
      const copy = roles as RolesCopy;
      // Both subgraphs really start under their roles: finance's schema then holds real, seeded rows.
      const [organisations, finance] = ['organisations', 'finance'].map((name) =>
        spawnService({
          label: `${name} as ${copy.role(name)}`,
          script: subgraphScript(name),
          env: { DATABASE_URL: copy.urlFor(name), HUB_SCHEMA: copy.schema(name), PORT: '0' },
        }),
      );
      if (!organisations || !finance) throw new Error('two processes expected');
      const [organisationsUrl] = await Promise.all([organisations.ready, finance.ready]);
      expect(
        linesMatching(organisations, new RegExp(`migrated schema ${copy.schema('organisations')}: 2026_`)),
      ).toHaveLength(1);
      expect(
        linesMatching(organisations, new RegExp(`seeded schema ${copy.schema('organisations')}: organisation=\\d+`)),
      ).toHaveLength(1);
      expect(
        linesMatching(finance, new RegExp(`seeded schema ${copy.schema('finance')}: stp_finance=44`)),
      ).toHaveLength(1);

      const { status, body } = await postGraphQL<{ organisation: { name: string; kind: string } }>(
        organisationsUrl,
        '{ organisation(id: "south-west-lincolnshire-ccg") { name kind } }',
      );
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      expect(body.data?.organisation).toEqual({ name: 'South West Lincolnshire CCG', kind: 'CCG' });

      // Every table in the organisations schema is its role's, created by the migrations it ran.
      const { rows: owners } = await asAdmin(pgTests.url, (c) =>
        c.query<{ tableowner: string }>('select distinct tableowner from pg_tables where schemaname = $1', [
          copy.schema('organisations'),
        ]),
      );
      expect(owners).toEqual([{ tableowner: copy.role('organisations') }]);

      // The finance rows are there (the administrator sees them) ...
      expect((await rowCounts(pgTests.url, copy.schema('finance'), ['stp_finance'])).stp_finance).toBe(44);
      // ... and PostgreSQL refuses them to the organisations role, and the other way round.
      const crossRead = await asRole('organisations', `select count(*) from ${copy.schema('finance')}.stp_finance`);
      expect(crossRead.error?.code).toBe('42501');
      expect(crossRead.error?.message).toBe(`permission denied for schema ${copy.schema('finance')}`);
      const backwards = await asRole('finance', `select count(*) from ${copy.schema('organisations')}.organisation`);
      expect(backwards.error?.message).toBe(`permission denied for schema ${copy.schema('organisations')}`);
      // Its own rows it reads, through the search_path roles.sql sets.
      expect((await asRole('organisations', 'select count(*)::int as n from organisation')).error).toBeNull();
      const own = await asRole(
        'organisations',
        `select count(*)::int as n from ${copy.schema('organisations')}.organisation`,
      );
      expect(own.rows).toEqual([
        { n: (await rowCounts(pgTests.url, copy.schema('organisations'), ['organisation'])).organisation },
      ]);

      // Nowhere else to put tables or schemas.
      const inPublic = await asRole('organisations', 'create table public.smuggled (id int)');
      expect(inPublic.error?.message).toBe('permission denied for schema public');
      const newSchema = await asRole('organisations', `create schema ${copy.schema('organisations')}_extra`);
      expect(newSchema.error?.message).toMatch(/^permission denied for database /);

      const clean = { code: 0, signal: null };
      expect(await Promise.all([organisations.stop('SIGTERM'), finance.stop('SIGTERM')])).toEqual([clean, clean]);
    }, 90_000);
  },
);

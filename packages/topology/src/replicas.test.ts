import { readFileSync } from 'node:fs';
import { linesMatching, postGraphQL, type StartedProcess, stopAllProcesses } from '@nhs-hub/kit/testing';
import { parse } from 'csv-parse/sync';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { asAdmin, dropSchemas, postgresForTests, rowCounts, throwAwayName } from './postgres.js';
import { REPO_ROOT, spawnService, subgraphScript } from './processes.js';

/**
 * Two replicas of one subgraph, real processes, started at the same moment on one PostgreSQL
 * schema whose data needs (re)seeding: exactly one seeds, the other waits on the schema's start-up
 * lock and then serves the same rows, never loading them a second time.
 */
const pgTests = await postgresForTests();
const schema = throwAwayName('replicas_org');
afterAll(async () => {
  await stopAllProcesses();
  if (!pgTests.skip) await dropSchemas(pgTests.url, [schema]);
});

const TABLES = [
  'organisation',
  'organisation_source',
  'person',
  'role',
  'role_organisation',
  'region_leadership_note',
] as const;
const ORGANISATIONS_QUERY = '{ organisations(first: 200) { totalCount nodes { id name kind } } }';
const organisationsInDataFile = (
  parse(readFileSync(`${REPO_ROOT}services/organisations/data/organisations.csv`), { columns: true }) as {
    id: string;
  }[]
).map((r) => r.id);

/**
 * Starts two replicas and makes them arrive at "is the data seeded?" at the same instant. Spawned
 * in one tick they still drift apart by the second or so node takes to load, which would let a
 * hub without the start-up lock pass by luck. So the test holds the fingerprint table locked until
 * both replicas' sessions are blocked (one behind the start-up lock, or both on the table if there
 * were no lock), then lets go.
 */
async function startPairTogether(): Promise<[StartedProcess, StartedProcess]> {
  const applicationName = throwAwayName('replica_pair');
  const url = new URL(pgTests.url);
  url.searchParams.set('application_name', applicationName);
  const env = { DATABASE_URL: url.toString(), HUB_SCHEMA: schema, PORT: '0' };
  const script = subgraphScript('organisations');
  const gate = new pg.Client({ connectionString: pgTests.url });
  await gate.connect();
  try {
    await gate.query('begin');
    await gate.query(`lock table ${schema}.hub_seed in access exclusive mode`);
    const pair: [StartedProcess, StartedProcess] = [
      spawnService({ label: 'organisations replica A', script, env }),
      spawnService({ label: 'organisations replica B', script, env }),
    ];
    const deadline = Date.now() + 60_000;
    for (;;) {
      // Asked outside the gate's transaction, which would see one frozen snapshot of pg_stat_activity.
      const { rows } = await asAdmin(pgTests.url, (c) =>
        c.query<{ waiting: string }>(
          'select count(*) as waiting from pg_locks l join pg_stat_activity a using (pid) where not l.granted and a.application_name = $1',
          [applicationName],
        ),
      );
      if (Number(rows[0]?.waiting) >= 2) break;
      if (Date.now() > deadline)
        throw new Error(`replicas never both reached the seed step: ${pair.map((r) => r.output()).join('\n---\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await gate.query('commit');
    return pair;
  } finally {
    await gate.end();
  }
}

/** The seed report a replica printed ("organisations seeded schema s: organisation=47 ..."), or null. */
function seedReportOf(replica: StartedProcess): Record<string, number> | null {
  const line = linesMatching(replica, /seeded schema /)[0];
  if (!line) return null;
  return Object.fromEntries(
    line
      .slice(line.indexOf(': ') + 2)
      .trim()
      .split(' ')
      .map((pair) => {
        const [table, n] = pair.split('=');
        return [table, Number(n)];
      }),
  );
}

async function assertOneSeededAndBothServeTheSame(pair: [StartedProcess, StartedProcess]): Promise<void> {
  const urls = await Promise.all(pair.map((r) => r.ready));
  const reports = pair.map(seedReportOf);
  const seeders = reports.filter((r) => r !== null);
  expect(seeders, pair.map((r) => r.output()).join('\n---\n')).toHaveLength(1);
  const notSeeded = pair.filter(
    (r) => linesMatching(r, new RegExp(`did not reseed schema ${schema}: data unchanged`)).length === 1,
  );
  expect(notSeeded).toHaveLength(1);

  // The rows are the seed's exactly: not doubled by a second load, not emptied by a second replace.
  const report = seeders[0] as Record<string, number>;
  expect(Object.keys(report).sort()).toEqual([...TABLES].sort());
  expect(await rowCounts(pgTests.url, schema, TABLES)).toEqual(report);
  expect(report.organisation).toBe(organisationsInDataFile.length);
  const { rows } = await asAdmin(pgTests.url, (c) =>
    c.query<{ fingerprints: string }>(`select count(*) as fingerprints from ${schema}.hub_seed`),
  );
  expect(Number(rows[0]?.fingerprints)).toBe(1);

  const answers = await Promise.all(
    urls.map((url) =>
      postGraphQL<{ organisations: { totalCount: number; nodes: { id: string }[] } }>(url, ORGANISATIONS_QUERY),
    ),
  );
  for (const { status, body } of answers) {
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data?.organisations.totalCount).toBe(organisationsInDataFile.length);
    expect(body.data?.organisations.nodes.map((n) => n.id).sort()).toEqual([...organisationsInDataFile].sort());
  }
  expect(answers[0]?.body).toEqual(answers[1]?.body);
}

describe.skipIf(pgTests.skip !== null)(
  `replicas of one subgraph starting together on PostgreSQL${pgTests.skip ? ` (skipped: ${pgTests.skip})` : ''}`,
  () => {
    it('on a new schema: exactly one seeds, the other waits and serves the same rows', async () => {
      // The schema exists before any replica starts, as roles.sql creates it in production; the empty
      // fingerprint table too, only so that the test can hold it as the gate.
      await asAdmin(pgTests.url, async (c) => {
        await c.query(`create schema ${schema}`);
        await c.query(
          `create table ${schema}.hub_seed (id int primary key check (id = 1), fingerprint text not null, seeded_at timestamptz not null default now())`,
        );
      });
      const pair = await startPairTogether();
      await assertOneSeededAndBothServeTheSame(pair);
      await Promise.all(pair.map((r) => r.stop('SIGTERM')));
    }, 90_000);

    it('after the data changed: exactly one reseeds, rows are the seed count, not doubled', async () => {
      // What a release with changed data files looks like to the database: a fingerprint that no
      // longer matches, and rows that are not the new files' (one organisation gone, one extra).
      await asAdmin(pgTests.url, async (c) => {
        await c.query(`update ${schema}.hub_seed set fingerprint = 'the-previous-release'`);
        await c.query(
          `delete from ${schema}.region_leadership_note where ctid in (select ctid from ${schema}.region_leadership_note limit 3)`,
        );
      });
      const before = await rowCounts(pgTests.url, schema, ['region_leadership_note']);
      const pair = await startPairTogether();
      await assertOneSeededAndBothServeTheSame(pair);
      const after = await rowCounts(pgTests.url, schema, ['region_leadership_note']);
      expect(after.region_leadership_note).toBe((before.region_leadership_note ?? 0) + 3);
      await Promise.all(pair.map((r) => r.stop('SIGTERM')));
    }, 90_000);
  },
);

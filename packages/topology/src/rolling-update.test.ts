import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { linesMatching, postGraphQL, stopAllProcesses, tsxArgs } from '@nhs-hub/kit/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { EXPAND_MIGRATION } from './fixtures/expand.js';
import { asAdmin, dropSchemas, postgresForTests, throwAwayName } from './postgres.js';
import { REPO_ROOT, spawnService, subgraphScript } from './processes.js';

const run = promisify(execFile);

/** A replica's /health/ready answer, as the readiness probe reads it. */
async function readiness(graphqlUrl: string): Promise<{ status: number; body: { checks?: Record<string, unknown> } }> {
  const res = await fetch(new URL('/health/ready', graphqlUrl));
  return { status: res.status, body: (await res.json()) as { checks?: Record<string, unknown> } };
}

/**
 * A rolling update of one subgraph on PostgreSQL: a replica of the current release serves under
 * steady reads while a replica of the next release (fixtures/organisations-next.ts: one additive
 * migration) starts and waits, and the release's migrate Job expands the shared schema. The old replica never fails a request, during
 * or after; an old replica can still (re)start on the expanded schema, as a rollback needs.
 */
const pgTests = await postgresForTests();
const schema = throwAwayName('rolling_org');
afterAll(async () => {
  await stopAllProcesses();
  if (!pgTests.skip) await dropSchemas(pgTests.url, [schema]);
});

// Reads through the table the migration alters (the old code selects * from it) and beyond.
const QUERIES = [
  '{ organisations(first: 200) { totalCount nodes { id name kind odsCode } } }',
  '{ organisation(id: "south-west-lincolnshire-ccg") { name kind } }',
  '{ organisations(kind: CCG, first: 5) { totalCount nodes { name } } }',
];

interface ReadLog {
  readonly startedAt: number;
  readonly query: string;
  readonly answer: string;
}

/** Clients reading without pause until stopped; every answer is recorded, failures included. */
function steadyReads(url: string, clients: number): { stop(): Promise<ReadLog[]> } {
  const log: ReadLog[] = [];
  let running = true;
  const loops = Array.from({ length: clients }, async (_, client) => {
    for (let i = client; running; i++) {
      const query = QUERIES[i % QUERIES.length] as string;
      const startedAt = Date.now();
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query }),
        });
        const text = await res.text();
        let answer: string;
        try {
          answer = `${res.status} ${JSON.stringify(JSON.parse(text))}`;
        } catch {
          answer = `${res.status} not JSON: ${text.slice(0, 200)}`;
        }
        log.push({ startedAt, query, answer });
      } catch (error) {
        log.push({ startedAt, query, answer: `network error: ${(error as Error).message}` });
      }
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return log;
    },
  };
}

describe.skipIf(pgTests.skip !== null)(
  `a rolling update with an additive migration${pgTests.skip ? ` (skipped: ${pgTests.skip})` : ''}`,
  () => {
    it('keeps the old replica answering, unchanged, while and after the new one expands the schema', async () => {
      const env = { DATABASE_URL: pgTests.url, HUB_SCHEMA: schema, PORT: '0' };
      const old = spawnService({
        label: 'organisations (current release)',
        script: subgraphScript('organisations'),
        env,
      });
      const oldUrl = await old.ready;

      // What the current release answers before anything changes: every later answer must equal it.
      const expected = new Map<string, string>();
      for (const query of QUERIES) {
        const res = await postGraphQL(oldUrl, query);
        expect(res.status).toBe(200);
        expect(res.body.errors).toBeUndefined();
        expect(JSON.stringify(res.body.data).length).toBeGreaterThan(20);
        expected.set(query, `200 ${JSON.stringify(res.body)}`);
      }
      const reads = steadyReads(oldUrl, 4);

      // As the overlay rolls it out: the next release's replica starts first and waits (HUB_MIGRATE=verify,
      // never seeding), unready while its migration is pending; the release's migrate Job expands the
      // schema; then the replica turns ready by itself. The old replica serves throughout.
      const nextScript = `${REPO_ROOT}packages/topology/src/fixtures/organisations-next.ts`;
      const next = spawnService({
        label: 'organisations (next release)',
        script: nextScript,
        env: { ...env, HUB_MIGRATE: 'verify', HUB_SEED: 'never' },
      });
      const nextUrl = await next.ready;
      const waiting = await readiness(nextUrl);
      expect(waiting.status).toBe(503);
      expect(String(waiting.body.checks?.migrations)).toContain(`pending: ${EXPAND_MIGRATION}`);
      const job = await run(process.execPath, tsxArgs(nextScript, 'migrate'), {
        cwd: REPO_ROOT,
        env: { ...process.env, ...env, LOG_LEVEL: 'silent' },
      });
      // Same data files and code: the Job finds the seed recorded and does not reseed.
      expect(job.stdout).toMatch(
        new RegExp(
          `organisations migrated in schema ${schema} \\(postgres\\); applied ${EXPAND_MIGRATION}; not reseeded`,
        ),
      );
      await expect.poll(async () => (await readiness(nextUrl)).status, { timeout: 10_000 }).toBe(200);
      const nextReadyAt = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const log = await reads.stop();

      const { rows: columns } = await asAdmin(pgTests.url, (c) =>
        c.query<{ column_name: string; is_nullable: string }>(
          "select column_name, is_nullable from information_schema.columns where table_schema = $1 and table_name = 'organisation' and column_name = 'website'",
          [schema],
        ),
      );
      expect(columns).toEqual([{ column_name: 'website', is_nullable: 'YES' }]);
      const { rows: aliases } = await asAdmin(pgTests.url, (c) =>
        c.query<{ t: string | null }>('select to_regclass($1)::text as t', [`${schema}.organisation_alias`]),
      );
      expect(aliases[0]?.t).toBe(`${schema}.organisation_alias`);

      // Reads ran throughout: while the new replica started and migrated, and after it served.
      expect(log.filter((r) => r.startedAt >= next.spawnedAt && r.startedAt < nextReadyAt).length).toBeGreaterThan(5);
      expect(log.filter((r) => r.startedAt >= nextReadyAt).length).toBeGreaterThan(5);
      const wrong = log.filter((r) => r.answer !== expected.get(r.query));
      expect(wrong.slice(0, 3), `${wrong.length} of ${log.length} answers differed`).toEqual([]);

      // Both releases answer alike on the expanded schema.
      for (const query of QUERIES)
        expect(`200 ${JSON.stringify((await postGraphQL(nextUrl, query)).body)}`).toBe(expected.get(query));

      // An old replica restarting mid-rollout (or a rollback) starts on the expanded schema and serves.
      await old.stop('SIGTERM');
      // The next release's code differs from this one's, so its recorded fingerprint would too.
      await asAdmin(pgTests.url, (c) => c.query(`update ${schema}.hub_seed set fingerprint = 'the-next-release'`));
      const restarted = spawnService({
        label: 'organisations (current release, restarted)',
        script: subgraphScript('organisations'),
        env,
      });
      const restartedUrl = await restarted.ready;
      expect(
        linesMatching(restarted, new RegExp(`schema ${schema} is ahead of this release \\(${EXPAND_MIGRATION}\\)`)),
      ).toHaveLength(1);
      expect(
        linesMatching(restarted, new RegExp(`did not reseed schema ${schema}: a newer release owns its data`)),
      ).toHaveLength(1);
      for (const query of QUERIES)
        expect(`200 ${JSON.stringify((await postGraphQL(restartedUrl, query)).body)}`).toBe(expected.get(query));
      await Promise.all([restarted.stop('SIGTERM'), next.stop('SIGTERM')]);
    }, 120_000);
  },
);

import { needSystemTool, SYSTEM_TOOLS } from '@nhs-hub/kit/testing';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startPooledDatabase } from './pooler.js';
import { asAdmin, postgresForTests, rolesCopy, throwAwayName } from './postgres.js';
import { dataSubgraphNames } from './processes.js';

/**
 * The database `npm run bench:topology` runs on (pooler.ts): roles.sql and the roles' connection
 * limits in a database of its own, PgBouncer in front in transaction pooling, and the sampler
 * whose peaks the bench reports against the budget. A throw-away copy of roles.sql, so no role
 * another test or session uses is given a limit here.
 */
const pgTests = await postgresForTests();
// Looked for only where the PostgreSQL pass runs: the PGlite pass skips anyway.
const pgbouncer = pgTests.skip ? null : needSystemTool(SYSTEM_TOOLS.pgbouncer).path;
const skip = pgTests.skip ?? (pgbouncer ? null : 'pgbouncer is not installed');

describe.skipIf(skip !== null)(`PostgreSQL as deployed, behind PgBouncer${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('caps server connections per role at the pool, queues the rest, counts both, and leaves nothing behind', async () => {
    // Every name roles.sql makes, prefixed: none of them is a real role of the server.
    const copy = rolesCopy(pgTests.url, throwAwayName('pool'), dataSubgraphNames());
    const reader = `${copy.role('geography')}_reader`;
    const database = throwAwayName('pool_db');
    try {
      const db = await startPooledDatabase(pgTests.url, database, {
        pgbouncer: pgbouncer as string,
        poolMode: 'transaction',
        parameters: { default_pool_size: '2', max_client_conn: '100' },
        rolesSql: copy.sql,
        roles: [
          { name: copy.role('geography'), connectionLimit: 1 },
          { name: reader, connectionLimit: 3 },
        ],
      });
      let closed = false;
      try {
        const limits = await asAdmin(pgTests.url, (c) =>
          c.query<{ rolname: string; rolconnlimit: number; rolcanlogin: boolean }>(
            'select rolname, rolconnlimit, rolcanlogin from pg_roles where rolname = any($1) order by 1',
            [[copy.role('geography'), reader]],
          ),
        );
        expect(limits.rows).toEqual([
          { rolname: copy.role('geography'), rolconnlimit: 1, rolcanlogin: true },
          { rolname: reader, rolconnlimit: 3, rolcanlogin: true },
        ]);
        const sampling = db.sample(20, [reader]);
        // Six clients of the reader at once, each holding a transaction for 0.3 s: a pool of two serves them in turn.
        const clients = Array.from({ length: 6 }, () => new pg.Client({ connectionString: db.pooled(reader) }));
        await Promise.all(clients.map((c) => c.connect()));
        try {
          const answers = await Promise.all(clients.map((c) => c.query('select pg_sleep(0.3), 1 as one')));
          expect(answers.map((a) => a.rows[0]?.one)).toEqual([1, 1, 1, 1, 1, 1]);
        } finally {
          await Promise.all(clients.map((c) => c.end()));
        }
        const peaks = await sampling.stop();
        expect(peaks.serverByRole[reader]).toBe(2);
        expect(peaks.serverTotal).toBe(2);
        expect(peaks.clientsWaiting).toBeGreaterThan(0);
        expect(peaks.clientsActive).toBeGreaterThanOrEqual(2);
        // The owner goes straight to PostgreSQL (the migrate Jobs), held to its limit there.
        const owner = new pg.Client({ connectionString: db.direct(copy.role('geography')) });
        await owner.connect();
        try {
          const second = new pg.Client({ connectionString: db.direct(copy.role('geography')) });
          await expect(second.connect()).rejects.toThrow(/too many connections for role/);
          await second.end().catch(() => undefined);
        } finally {
          await owner.end();
        }
        await db.close();
        closed = true;
        const after = await asAdmin(pgTests.url, async (c) => ({
          databases: (await c.query('select 1 from pg_database where datname = $1', [database])).rowCount,
          limits: (
            await c.query<{ rolconnlimit: number }>(
              'select rolconnlimit from pg_roles where rolname = any($1) order by rolname',
              [[copy.role('geography'), reader]],
            )
          ).rows.map((r) => r.rolconnlimit),
        }));
        expect(after).toEqual({ databases: 0, limits: [-1, -1] });
      } finally {
        if (!closed) await db.close();
      }
    } finally {
      await copy.drop();
    }
  }, 60_000);
});

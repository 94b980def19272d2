import { join } from 'node:path';
import { postGraphQL, startProcess, stopAllProcesses, testDatabaseUrl, tsxArgs } from '@nhs-hub/kit/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { readGraphConfig, REPO_ROOT } from './config.js';

/**
 * The hub as it is deployed: every subgraph its own process (src/server.ts), the gateway its own
 * (gateway/src/server.ts) finding them through SUBGRAPH_<NAME>_URL. Each subgraph process opens its
 * own embedded database (or the CI server's, in a schema of its own).
 */
const database = testDatabaseUrl();
const schemaOf = (name: string) => `proc_${process.pid}_${name}`;
afterAll(async () => {
  if (database) {
    const { Client } = await import('pg');
    const client = new Client({ connectionString: database });
    await client.connect();
    for (const entry of readGraphConfig()) await client.query(`drop schema if exists ${schemaOf(entry.name)} cascade`);
    await client.end();
  }
});
afterAll(() => stopAllProcesses());

/** A hub entry point from source, with the environment a deployment gives it. */
const start = (label: string, script: string, env: Record<string, string | undefined>) =>
  startProcess({
    label,
    args: tsxArgs(join(REPO_ROOT, script)),
    cwd: REPO_ROOT,
    env: { LOG_LEVEL: 'silent', PORT: '0', ...env },
  });

describe('one process per subgraph, and the gateway on its own', () => {
  it('answers the headline across processes and stops each one cleanly on SIGTERM', async () => {
    const subgraphs = readGraphConfig().map((entry) => ({
      name: entry.name,
      // On PostgreSQL each process keeps to a schema of its own, so parallel test runs never meet.
      process: start(
        entry.name,
        entry.sdl.replace(/schema\.graphql$/, 'src/server.ts'),
        database ? { DATABASE_URL: database, HUB_SCHEMA: schemaOf(entry.name) } : { DATABASE_URL: undefined },
      ),
    }));
    const urls = await Promise.all(
      subgraphs.map(async (s) => [`SUBGRAPH_${s.name.toUpperCase()}_URL`, await s.process.ready] as const),
    );
    const gateway = start('gateway', 'gateway/src/server.ts', Object.fromEntries(urls));
    const { body } = await postGraphQL(
      await gateway.ready,
      '{ stp(code: "QJM") { name region { name } leads { name } financialGap { combinedGbpM } workforceFacts { kind } } }',
    );
    expect(body.errors).toBeUndefined();
    expect(body.data).toMatchObject({
      stp: {
        name: 'Lincolnshire',
        region: { name: 'Midlands' },
        leads: [{ name: 'Allan Kitt' }],
        financialGap: { combinedGbpM: '182' },
      },
    });
    // Exit code 0, not killed by the signal: each drained and closed what it held.
    const clean = { code: 0, signal: null };
    expect(await gateway.stop('SIGTERM')).toEqual(clean);
    const ends = await Promise.all(subgraphs.map(async (s) => [s.name, await s.process.stop('SIGTERM')] as const));
    expect(Object.fromEntries(ends)).toEqual(Object.fromEntries(subgraphs.map((s) => [s.name, clean])));
  }, 120_000);
});

import { readFileSync } from 'node:fs';
import { needSystemTool, SYSTEM_TOOLS, stopAllProcesses } from '@nhs-hub/kit/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { nginxConfig } from './nginx.js';
import { postgresForTests } from './postgres.js';
import { dataSubgraphNames, REPO_ROOT, subgraphNames } from './processes.js';
import { runTopology } from './topology.js';

/**
 * The short version of `npm run bench:topology`: two gateways and two replicas of every subgraph
 * behind nginx, one of each SIGKILLed under load and started again. No client may see a failure,
 * and each restarted replica must be back in rotation.
 */
const pgTests = await postgresForTests();
// nginx is looked for only where the PostgreSQL pass runs these: the PGlite pass skips them anyway.
const nginx = pgTests.skip ? null : needSystemTool(SYSTEM_TOOLS.nginx).path;
const skip = pgTests.skip ?? (nginx ? null : 'nginx is not installed');
afterAll(() => stopAllProcesses());

describe('retrying POST at the load balancer', () => {
  it('is configured only because the graph is read-only: no subgraph and no supergraph has a Mutation type', () => {
    const config = nginxConfig('/tmp/x', [{ name: 'gateway', port: 1, servers: [2, 3] }]);
    expect(config).toContain('proxy_next_upstream error timeout http_502 http_503 non_idempotent;');
    const sdls = [...subgraphNames().map((name) => `services/${name}/schema.graphql`), 'schema/supergraph.graphql'];
    for (const path of sdls)
      expect(readFileSync(`${REPO_ROOT}${path}`, 'utf8'), path).not.toMatch(
        /\b(type|extend type) Mutation\b|mutation:/,
      );
  });
});

describe.skipIf(skip !== null)(`the deployed topology behind nginx${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('loses no request while one replica of every subgraph and one gateway are killed and restarted', async () => {
    const result = await runTopology({
      databaseUrl: pgTests.url,
      nginx: nginx as string,
      clients: 6,
      seconds: 7,
      killAfterMs: 2000,
      deadForMs: 500,
      say: (line) => console.log(line),
    });
    console.log(
      result.restarts
        .map((r) => `${r.label}: ready ${r.readyMs} ms, back in rotation ${r.backInRotationMs} ms after spawn`)
        .join('\n'),
    );
    expect(result.requests).toBeGreaterThan(20);
    expect({ failed: result.failed, samples: result.samples }).toEqual({ failed: 0, samples: [] });
    // The kill really cost replicas in flight or in rotation: nginx had to send requests elsewhere.
    expect(result.retriedByNginx).toBeGreaterThan(0);
    expect(result.restarts.map((r) => r.label).sort()).toEqual(
      [...dataSubgraphNames(), 'gateway'].map((name) => `${name} #1`).sort(),
    );
    for (const restart of result.restarts) {
      // Back in rotation means nginx sent it a request after it listened again.
      expect(restart.backInRotationMs, restart.label).not.toBeNull();
      expect(restart.readyMs, restart.label).not.toBeNull();
      expect(restart.backInRotationMs ?? 0, restart.label).toBeGreaterThanOrEqual(restart.readyMs ?? 0);
      // The 5 s target is bench:topology's to report, on the bundles. Here the six restarted
      // replicas start under tsx (about 4.5 CPU-seconds each) at once, on two cores shared with the
      // other processes under load and whatever else the machine runs: 11.9 s measured with a load
      // average of 1. The bound leaves that room twice over and still fails a replica that never
      // rejoins or whose start-up has regressed several-fold.
      expect(restart.backInRotationMs ?? Number.POSITIVE_INFINITY, restart.label).toBeLessThan(30_000);
    }
  }, 600_000);
});

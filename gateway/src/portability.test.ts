import { readdirSync, readFileSync } from 'node:fs';
import { startApolloGateway } from './apollo-gateway.js';
import type { RunningServer } from '@nhs-hub/kit/subgraph';
import { postGraphQL, signTestToken, startTestGraph, TEST_JWT_SECRET, type TestGraph } from './testing.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllSubgraphs, REPO_ROOT } from './config.js';

/**
 * The hub's subgraphs are plain Apollo Federation v2: every public operation answers the same
 * through Apollo's own gateway (and so Apollo Router, Cosmo, ...) as through the hub's Hive
 * Gateway, so a team can change engines without touching a subgraph.
 */
process.env.HUB_JWT_SECRET = TEST_JWT_SECRET;
const DIR = `${REPO_ROOT}schema/operations/`;
const operations = readdirSync(DIR)
  .filter((f) => f.endsWith('.graphql'))
  .map((f) => f.replace(/\.graphql$/, ''));

/** Variables for each operation, several cases where the answer has different shapes. */
const CASES: Record<string, { variables: Record<string, unknown>; director?: boolean }[]> = {
  StpOverview: [
    { variables: { code: 'QJM' } },
    { variables: { code: 'QF7', asOf: '2020-01-01' } },
    { variables: { code: 'QZZ' } },
  ],
  AllStps: [{ variables: { first: 200 } }, { variables: { first: 5, offset: 40 } }],
  RegionOverview: [
    { variables: { code: 'Y60', asOf: '2020-01-01' } },
    { variables: { code: 'Y55', asOf: '2018-06-01' } },
  ],
  RegionRankings: [
    { variables: { code: 'Y60', asOf: '2020-01-01' }, director: true },
    { variables: { code: 'Y60', asOf: '2020-01-01', by: 'GAP_PER_HEAD' }, director: true },
    { variables: { code: 'Y60', asOf: '2020-01-01' } },
  ],
};

let graph: TestGraph;
let apollo: RunningServer;
beforeAll(async () => {
  graph = await startTestGraph(await loadAllSubgraphs());
  apollo = await startApolloGateway({ supergraphSdl: graph.supergraphSdl, tuned: true });
});
afterAll(async () => {
  await apollo.close();
  await graph.close();
});

/** What two engines may legitimately word differently: request ids, and where Apollo words an error its own way. */
function comparable(body: {
  data?: unknown;
  errors?: { message: string; path?: unknown; extensions?: Record<string, unknown> }[];
}) {
  return {
    data: body.data,
    errors: body.errors?.map((e) => ({ message: e.message, path: e.path, code: e.extensions?.code })),
  };
}

describe('every operation in schema/operations through @apollo/gateway', () => {
  it("compares queries only: @apollo/gateway has no subscriptions, and releasePublished is the hub gateway's own", () => {
    for (const name of operations)
      expect(readFileSync(`${DIR}${name}.graphql`, 'utf8'), name).not.toMatch(/^\s*subscription\b/m);
  });

  it('has cases for every checked-in operation', () => {
    expect(Object.keys(CASES).sort()).toEqual([...operations].sort());
  });

  for (const name of operations) {
    it(`${name}: answers identical to the hub's`, async () => {
      const query = readFileSync(`${DIR}${name}.graphql`, 'utf8');
      for (const { variables, director } of CASES[name] ?? []) {
        const headers: Record<string, string> = director
          ? { authorization: await signTestToken({ scope: 'region:director' }) }
          : {};
        const [hub, peer] = await Promise.all([
          postGraphQL(graph.gatewayUrl, query, variables, headers),
          postGraphQL(apollo.url, query, variables, headers),
        ]);
        expect(hub.status, JSON.stringify(variables)).toBe(peer.status);
        expect(comparable(hub.body), JSON.stringify(variables)).toEqual(comparable(peer.body));
        // Equal failures would pass the comparison: both engines must have answered with data.
        expect(Object.keys(hub.body.data ?? {}), 'a real answer').not.toEqual([]);
      }
    });
  }
});

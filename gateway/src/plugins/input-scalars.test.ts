import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllSubgraphs } from '../config.js';
import { postGraphQL, startTestGraph, type TestGraph } from '../testing.js';

/** Geography alone behind the real gateway: its `Date` arguments are what the gateway parses first. */
let graph: TestGraph;
beforeAll(async () => {
  const geography = (await loadAllSubgraphs()).filter((s) => s.name === 'geography');
  // Not asked again for its release while a test counts its SQL.
  graph = await startTestGraph(geography, { releases: { refreshMs: 3_600_000 } });
});
afterAll(() => graph.close());

const REGIONS = 'query Regions($asOf: Date) { regions(asOf: $asOf) { code } }';

describe('a Date variable', () => {
  it.each([
    ['2019-13-45', 'Date must be an ISO 8601 calendar date such as "2018-06-01"; got "2019-13-45"'],
    ['1 June 2018', 'Date must be an ISO 8601 calendar date such as "2018-06-01"; got "1 June 2018"'],
    ['2018-02-30', 'Date "2018-02-30" does not exist'],
  ])('%s is refused by the gateway as a 400 naming the variable, and no subgraph is asked', async (value, says) => {
    graph.resetCounters();
    const { status, body } = await postGraphQL(graph.gatewayUrl, REGIONS, { asOf: value });
    expect(status).toBe(400);
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([
      {
        message: `Variable "$asOf" got invalid value "${value}"; Expected type "Date". ${says}`,
        locations: expect.any(Array),
        extensions: { code: 'BAD_USER_INPUT', requestId: expect.any(String) },
      },
    ]);
    expect(graph.statements()).toBe(0);
  });

  it('that exists is passed on to the subgraph, which answers', async () => {
    graph.resetCounters();
    const { status, body } = await postGraphQL<{ regions: { code: string }[] }>(graph.gatewayUrl, REGIONS, {
      asOf: '2018-06-01',
    });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    // The NHS regions on 1 June 2018 as geography's seed dates them: 2018/19's five, not today's seven.
    expect(body.data?.regions.map((r) => r.code)).toEqual(['Y54', 'Y55', 'Y56', 'Y58', 'Y59']);
    expect(graph.statements()).toBeGreaterThan(0);
  });
});

import { readFileSync } from 'node:fs';
import { postGraphQL, signTestToken, startTestGraph, TEST_JWT_SECRET, type TestGraph } from '../testing.js';
import type { RegionRankingsQuery, RegionRankingsQueryVariables } from '@nhs-hub/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllSubgraphs, REPO_ROOT } from '../config.js';

/** Restricted data: public fields need no token; rankings need scope "region:director". */
process.env.HUB_JWT_SECRET = TEST_JWT_SECRET;
const RANKINGS = readFileSync(`${REPO_ROOT}schema/operations/RegionRankings.graphql`, 'utf8');

let graph: TestGraph;
beforeAll(async () => {
  graph = await startTestGraph(await loadAllSubgraphs());
});
afterAll(() => graph.close());

const rankings = (authorization?: string) =>
  postGraphQL<RegionRankingsQuery>(
    graph.gatewayUrl,
    RANKINGS,
    { code: 'Y60', asOf: '2020-01-01' } satisfies RegionRankingsQueryVariables,
    authorization ? { authorization } : {},
  );

describe('restricted fields', () => {
  it('answers a regional director with the rankings', async () => {
    const { status, body } = await rankings(
      await signTestToken({ scope: 'stp:read region:director', sub: 'director-midlands' }),
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const ranked = body.data?.regionSnapshot?.financialSummary.rankings ?? [];
    expect(ranked[0]).toMatchObject({ rank: 1, stpCode: 'QHL', valueGbpM: '712' });
    expect(ranked.at(-1)).toMatchObject({ rank: 11, stpCode: 'QOC', valueGbpM: '131' });
  });

  it("ranks a region's STPs by the derived gap per head, from geography's populations through @requires", async () => {
    const { body } = await postGraphQL<{
      regionSnapshot: {
        financialSummary: { rankings: { rank: number; stpCode: string; valueGbpM: string; gbpPerPerson: string }[] };
      };
    }>(
      graph.gatewayUrl,
      'query($by: RegionFinanceRankOrder) { regionSnapshot(code: "Y60", asOf: "2020-01-01") { financialSummary { rankings(by: $by) { rank stpCode valueGbpM gbpPerPerson } } } }',
      { by: 'GAP_PER_HEAD' },
      { authorization: await signTestToken({ scope: 'region:director' }) },
    );
    expect(body.errors).toBeUndefined();
    const ranked = body.data?.regionSnapshot?.financialSummary.rankings ?? [];
    // 712 / 1,100,000 people = £647.27 a head; Lincolnshire's 182 / 700,000 = £260 is the lowest of the 11.
    expect(ranked.map((r) => r.stpCode)).toEqual([
      'QHL',
      'QT1',
      'QUA',
      'QNC',
      'QGH',
      'QK1',
      'QJ2',
      'QWU',
      'QPM',
      'QOC',
      'QJM',
    ]);
    expect(ranked[0]).toEqual({ rank: 1, stpCode: 'QHL', valueGbpM: '712', gbpPerPerson: '647.27' });
    expect(ranked.at(-1)).toEqual({ rank: 11, stpCode: 'QJM', valueGbpM: '182', gbpPerPerson: '260' });
  });

  it('denies an anonymous caller the rankings with FORBIDDEN, and still answers the public totals', async () => {
    const { status, body } = await rankings();
    expect(status).toBe(200);
    expect(body.data?.regionSnapshot?.financialSummary).toEqual({ combinedGapGbpM: '4516.3', rankings: null });
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]).toMatchObject({
      message: 'RegionFinancialSummary.rankings needs a bearer token with scope "region:director"',
      path: ['regionSnapshot', 'financialSummary', 'rankings'],
      extensions: { code: 'FORBIDDEN' },
    });
  });

  it('denies a valid token without the scope', async () => {
    const { body } = await rankings(await signTestToken({ scope: 'stp:read', sub: 'analyst' }));
    expect(body.data?.regionSnapshot?.financialSummary.rankings).toBeNull();
    expect(body.errors?.[0]?.message).toBe(
      'RegionFinancialSummary.rankings needs scope "region:director", which this token does not grant',
    );
  });

  it.each([
    ['not a JWT', 'Bearer not-a-token', 'expected "Authorization: Bearer <JWT>"'],
    ['another scheme', 'Basic dXNlcjpwYXNz', 'expected "Authorization: Bearer <JWT>"'],
  ])(
    'refuses a malformed header (%s) with 401 UNAUTHENTICATED before doing any work',
    async (_label, header, reason) => {
      graph.resetCounters();
      const { status, body } = await postGraphQL(graph.gatewayUrl, '{ stp(code: "QJM") { name } }', undefined, {
        authorization: header,
      });
      expect(status).toBe(401);
      expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(body.errors?.[0]?.message).toBe(`Invalid bearer token: ${reason}`);
      expect(graph.statements()).toBe(0);
    },
  );

  it('refuses a token signed with another key, and an expired one', async () => {
    const forged = await postGraphQL(graph.gatewayUrl, '{ stp(code: "QJM") { name } }', undefined, {
      authorization: await signTestToken(
        { scope: 'region:director' },
        'an-attacker-key-that-is-long-enough-0123456789',
      ),
    });
    expect(forged.status).toBe(401);
    expect(forged.body.errors?.[0]?.message).toContain('Invalid bearer token: signature does not verify');
    const expired = await postGraphQL(graph.gatewayUrl, '{ stp(code: "QJM") { name } }', undefined, {
      authorization: await signTestToken({ scope: 'region:director', expiresAt: Math.floor(Date.now() / 1000) - 60 }),
    });
    expect(expired.status).toBe(401);
    expect(expired.body.errors?.[0]?.message).toContain('Invalid bearer token: expired');
  });

  it('keeps public data public: no token needed for the headline', async () => {
    const { status, body } = await postGraphQL(
      graph.gatewayUrl,
      '{ stp(code: "QJM") { name financialGap { combinedGbpM } } }',
    );
    expect(status).toBe(200);
    expect(body).toEqual({
      data: { stp: { name: 'Lincolnshire', financialGap: { combinedGbpM: '182' } } },
      extensions: { dataVersion: expect.any(String) },
    });
  });

  it('is enforced by the finance subgraph itself, not only by the gateway', async () => {
    const finance = graph.subgraphs.finance?.url ?? '';
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on RegionSnapshot { financialSummary { rankings { stpCode } } } } }`;
    const representations = [
      {
        __typename: 'RegionSnapshot',
        regionCode: 'Y60',
        asOf: '2020-01-01',
        stpCodes: ['QHL'],
        population: 1100000,
        populationIsComplete: true,
      },
    ];
    const direct = await postGraphQL(finance, query, { r: representations });
    expect(direct.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const withToken = await postGraphQL<{ _entities: { financialSummary: { rankings: { stpCode: string }[] } }[] }>(
      finance,
      query,
      { r: representations },
      {
        authorization: await signTestToken({ scope: 'region:director' }),
      },
    );
    expect(withToken.body.data?._entities[0]?.financialSummary.rankings).toEqual([{ stpCode: 'QHL' }]);
  });
});

describe('a rotation of the HS256 key', () => {
  const PREVIOUS = 'the-key-before-the-last-rotation-of-this-test-hub';
  const STRANGER = 'a-key-this-hub-never-had-in-any-rotation-at-all';
  const director = (secret: string) => signTestToken({ scope: 'region:director', sub: 'director-rotating' }, secret);
  const answered = (body: Awaited<ReturnType<typeof rankings>>['body']) =>
    body.data?.regionSnapshot?.financialSummary.rankings?.[0]?.stpCode;

  it('accepts tokens signed with the previous key at the gateway and in the subgraphs until it is dropped', async () => {
    process.env.HUB_JWT_PREVIOUS_SECRET = PREVIOUS;
    try {
      // Both keys verify everywhere (the gateway, and finance, which checks the token itself).
      for (const secret of [TEST_JWT_SECRET, PREVIOUS]) {
        const { status, body } = await rankings(await director(secret));
        expect(status, secret).toBe(200);
        expect(body.errors, secret).toBeUndefined();
        expect(answered(body), secret).toBe('QHL');
      }
      // Any other key is still refused.
      expect((await rankings(await director(STRANGER))).status).toBe(401);
    } finally {
      delete process.env.HUB_JWT_PREVIOUS_SECRET;
    }
    // The rotation's second step: the previous key dropped, its tokens are refused.
    const dropped = await rankings(await director(PREVIOUS));
    expect(dropped.status).toBe(401);
    expect(dropped.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(answered((await rankings(await director(TEST_JWT_SECRET))).body)).toBe('QHL');
  });
});

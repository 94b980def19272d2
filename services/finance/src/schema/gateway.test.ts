import { subgraph as geography } from '@nhs-hub/geography';
import { signTestToken, subgraphHarness } from '@nhs-hub/gateway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph as finance } from '../index.js';

const graph = subgraphHarness(finance, { composedWith: [geography] });
beforeAll(graph.start);
afterAll(graph.close);

// A regional director's token: rankings are restricted to that scope (see gateway/src/plugins/auth.test.ts).
const query = async <T>(q: string) =>
  graph.ask<T>(q, undefined, { authorization: await signTestToken({ scope: 'region:director' }) });

describe('finance through the gateway', () => {
  it("answers the headline: Lincolnshire's combined gap is 182", async () => {
    const data = await query<{ stp: { name: string; financialGap: { combinedGbpM: string } } }>(
      `{ stp(code: "QJM") { name financialGap { combinedGbpM } } }`,
    );
    expect(data.stp).toEqual({ name: 'Lincolnshire', financialGap: { combinedGbpM: '182' } });
  });

  it("derives the gap per head from geography's population through @requires", async () => {
    const data = await query<{ stp: { population: number; gapPerHeadDerived: Record<string, unknown> } }>(
      `{ stp(code: "QJM") { population gapPerHeadDerived { gbpPerPerson combinedGapGbpM population formula } } }`,
    );
    // 182 M / 700K (tracker line 819: "Population: 700K") = £260 per person
    expect(data.stp.gapPerHeadDerived).toEqual({
      gbpPerPerson: '260',
      combinedGapGbpM: '182',
      population: 700000,
      formula: '182 x 1000000 / 700000 = 260 GBP per person (DERIVED)',
    });
  });

  it('totals Midlands (Y60) as of today over its member STPs, exactly', async () => {
    const data = await query<{
      region: {
        asOf: {
          stpCodes: string[];
          population: number;
          financialSummary: Record<string, unknown> & {
            rankings: { rank: number; stpCode: string; valueGbpM: string }[];
          };
        };
      };
    }>(
      `{ region(code: "Y60") { asOf { stpCodes population financialSummary { combinedGapGbpM stpsWithGap stpsWithoutGap gapPerHeadGbp capitalRequiredGbpM proposedSavingsGbpM flags { code explanation } rankings { rank stpCode valueGbpM } } } } }`,
    );
    const s = data.region.asOf;
    expect(s.stpCodes).toEqual(['QGH', 'QHL', 'QJ2', 'QJM', 'QK1', 'QNC', 'QOC', 'QPM', 'QT1', 'QUA', 'QWU']);
    // 337 + 712 + 355 + 182 + 399.3 + 542 + 131 + 230 + 628 + 700 + 300
    expect(s.financialSummary.combinedGapGbpM).toBe('4516.3');
    expect(s.financialSummary.stpsWithGap).toBe(11);
    expect(s.financialSummary.stpsWithoutGap).toBe(0);
    // capital: QHL and QPM state none; 61 + 355? no: 61 + 42 + 205 + 350 + 20 + 311 + 77 + 103 + 36.5
    expect(s.financialSummary.capitalRequiredGbpM).toBe('1205.5');
    expect(s.financialSummary.flags).toContainEqual(
      expect.objectContaining({ code: 'INCOMPLETE', explanation: expect.stringContaining('QHL, QPM') }),
    );
    const perHead = s.financialSummary.gapPerHeadGbp as string;
    expect(perHead).toMatch(/^\d+(\.\d{1,2})?$/);
    expect(Math.abs(Number(perHead) - 4516.3e6 / s.population)).toBeLessThan(0.01);
    expect(s.financialSummary.rankings[0]).toEqual({ rank: 1, stpCode: 'QHL', valueGbpM: '712' });
    expect(s.financialSummary.rankings.at(-1)).toEqual({ rank: 11, stpCode: 'QOC', valueGbpM: '131' });
  });

  it('resolves finance for 1 STP and for every STP in the same number of finance statements', async () => {
    const selection =
      'code financialGap { combinedGbpM flags { code } sources { line } } gapPerHeadDerived { gbpPerPerson }';
    const count = async (q: string) => {
      graph.resetCounters();
      await query(q);
      return graph.running.counter.count;
    };
    const one = await count(`{ stps(first: 1) { nodes { ${selection} } } }`);
    const all = await count(`{ stps(first: 200) { totalCount nodes { ${selection} } } }`);
    expect(one).toBeGreaterThan(0);
    expect(all).toBe(one);
  });
});

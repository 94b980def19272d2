import { subgraph as geography } from '@nhs-hub/geography';
import { subgraphHarness } from '@nhs-hub/gateway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph } from '../index.js';

const graph = subgraphHarness(subgraph, { composedWith: [geography] });
beforeAll(graph.start);
afterAll(graph.close);

interface Fact {
  id: string;
  kind: string;
  statement: string;
  source: { document: { file: string }; line: number; text: string };
}

describe('workforce through the gateway', () => {
  it('answers an STP with its facts, each with its verbatim source line', async () => {
    const { body } = await graph.query<{ stp: { name: string; workforceFacts: Fact[] } }>(
      '{ stp(code: "QJM") { name workforceFacts { id kind statement source { document { file } line text } } } }',
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.stp.name).toBe('Lincolnshire');
    const facts = body.data?.stp.workforceFacts ?? [];
    expect(facts.length).toBeGreaterThan(0);
    for (const fact of facts) expect(fact.source.text).toBe(fact.statement);
  });

  it('resolves facts for every STP in the same number of SQL statements as for two', async () => {
    const run = async (first: number) => {
      graph.resetCounters();
      const { body } = await graph.query(`{ stps(first: ${first}) { nodes { code workforceFacts { id } } } }`);
      expect(body.errors).toBeUndefined();
      return graph.statements();
    };
    expect(await run(45)).toBe(await run(2));
  });

  it("states Lincolnshire's staffing figures as the STP update of 1 June 2018 does, hedges kept", async () => {
    const { body } = await graph.query<{
      stp: {
        workforceFacts: {
          kind: string;
          value: string | null;
          unit: string | null;
          qualifier: string | null;
          approximate: boolean;
          source: { line: number };
        }[];
      };
    }>('{ stp(code: "QJM") { workforceFacts { kind value unit qualifier approximate source { line } } } }');
    expect(body.data?.stp.workforceFacts).toEqual([
      { kind: 'VACANCY_RATE', value: '9', unit: 'PERCENT', qualifier: '≈', approximate: true, source: { line: 34 } },
      {
        kind: 'AGENCY_AND_LOCUM_STAFF_PER_MONTH',
        value: '400',
        unit: 'WHOLE_TIME_EQUIVALENT',
        qualifier: 'average',
        approximate: false,
        source: { line: 35 },
      },
      {
        kind: 'EXTRA_GPS_IN_POST',
        value: '26',
        unit: 'GPS',
        qualifier: null,
        approximate: false,
        source: { line: 36 },
      },
      {
        kind: 'INTERNATIONAL_GP_RECRUITMENT',
        value: '39',
        unit: 'GPS',
        qualifier: null,
        approximate: false,
        source: { line: 132 },
      },
      {
        kind: 'CLINICAL_PHARMACISTS',
        value: null,
        unit: null,
        qualifier: null,
        approximate: false,
        source: { line: 165 },
      },
      {
        kind: 'CLINICAL_PHARMACY_APPRENTICESHIPS',
        value: null,
        unit: null,
        qualifier: null,
        approximate: false,
        source: { line: 165 },
      },
    ]);
  });
});

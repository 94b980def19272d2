import { subgraph as geography } from '@nhs-hub/geography';
import { subgraphHarness } from '@nhs-hub/gateway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph } from '../index.js';

const graph = subgraphHarness(subgraph, { composedWith: [geography] });
beforeAll(graph.start);
afterAll(graph.close);

describe('through the gateway, composed with geography', () => {
  it("answers the headline: Lincolnshire's four tracker focuses, then the paper's seven priorities", async () => {
    const { status, body } = await graph.query<{
      stp: { priorities: { title: string; kind: string; programmes: { name: string }[] }[] };
    }>(`{ stp(code: "QJM") { priorities { title kind programmes { name } } } }`);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data?.stp.priorities.map((p) => [p.kind, p.title, p.programmes.map((x) => x.name)])).toEqual([
      ['FOCUS', 'Clinical Redesign', []], // tracker line 826
      ['FOCUS', 'Capacity optimisation', []],
      ['FOCUS', 'Operational Efficiency', []],
      ['FOCUS', 'Workforce productivity and redesign', []], // line 829
      ['LINCOLNSHIRE_PRIORITY', 'Mental Health', ['Mental health']], // paper line 74
      ['LINCOLNSHIRE_PRIORITY', 'Integrated Neighbourhood Working', []],
      ['LINCOLNSHIRE_PRIORITY', 'Implementation of GP Forward View', ['Primary care and the GP Forward View']],
      ['LINCOLNSHIRE_PRIORITY', 'Urgent and Emergency Care Transformation', ['Urgent and emergency care']],
      ['LINCOLNSHIRE_PRIORITY', 'Operational Efficiencies', []],
      ['LINCOLNSHIRE_PRIORITY', 'Planned Care', ['Diabetes', '100 day rapid improvement programme']],
      ['LINCOLNSHIRE_PRIORITY', 'Other enabling programmes', []],
    ]);
  });

  it('answers "which STPs prioritise mental health?" with names from geography', async () => {
    const { body } = await graph.query<{ programme: { stps: { code: string; name: string }[] } }>(
      `{ programme(code: "MENTAL_HEALTH") { stps { code name } } }`,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.programme.stps).toHaveLength(13);
    expect(body.data?.programme.stps).toContainEqual({ code: 'QJM', name: 'Lincolnshire' });
    expect(body.data?.programme.stps).toContainEqual({ code: 'QUA', name: 'The Black Country' });
  });

  it("counts priorities per programme over a region's member STPs (Midlands, June 2019)", async () => {
    const { body } = await graph.query<{
      regionSnapshot: {
        stpCodes: string[];
        prioritiesByProgramme: { programme: { code: string }; stpCount: number; priorityCount: number }[];
      };
    }>(
      `{ regionSnapshot(code: "Y60", asOf: "2019-06-01") { stpCodes prioritiesByProgramme { programme { code } stpCount priorityCount } } }`,
    );
    expect(body.errors).toBeUndefined();
    const snapshot = body.data?.regionSnapshot;
    expect(snapshot?.stpCodes).toHaveLength(11);
    const of = (code: string) => snapshot?.prioritiesByProgramme.find((c) => c.programme.code === code);
    // The Black Country (tracker line 894), Herefordshire and Worcestershire (1010) and Lincolnshire's 5.1.
    expect(of('MENTAL_HEALTH')).toEqual({ programme: { code: 'MENTAL_HEALTH' }, stpCount: 3, priorityCount: 3 });
    // Lincolnshire only: 5.6 Planned Care (line 185).
    expect(of('RAPID_IMPROVEMENT_100_DAY')).toEqual({
      programme: { code: 'RAPID_IMPROVEMENT_100_DAY' },
      stpCount: 1,
      priorityCount: 1,
    });
    expect(of('TRANSFORMATION_FUNDING')).toEqual({
      programme: { code: 'TRANSFORMATION_FUNDING' },
      stpCount: 0,
      priorityCount: 0,
    });
    expect(snapshot?.prioritiesByProgramme).toHaveLength(10);
  });

  it('gives priorities for 1 STP and for all 44 in the same number of SQL statements', async () => {
    // The single STP is Lincolnshire, whose priorities have every shape (work streams, outcomes), so
    // both runs touch the same loaders; only the number of STPs differs.
    const run = async (first: number) => {
      graph.resetCounters();
      const { body } = await graph.query<{
        stps: { nodes: { code: string; priorities: { title: string }[]; considerations: { text: string }[] }[] };
      }>(
        `{ stps(first: ${first}, filter: ${first === 1 ? '{ nameContains: "Lincolnshire" }' : '{ inTracker: true }'}) { nodes { code name priorities { title subPoints programmes { name } children { title outcomes { value } } } considerations { text } } } }`,
      );
      expect(body.errors).toBeUndefined();
      expect(body.data?.stps.nodes).toHaveLength(first);
      expect(body.data?.stps.nodes.every((n) => n.priorities.length > 0 && n.considerations.length > 0)).toBe(true);
      return graph.statements();
    };
    expect(await run(44)).toBe(await run(1));
  });

  it('gives regional counts for one region and for all in the same number of statements', async () => {
    const run = async (q: string) => {
      graph.resetCounters();
      const { body } = await graph.query(q);
      expect(body.errors).toBeUndefined();
      return graph.statements();
    };
    const one = await run(
      `{ region(code: "Y60") { asOf(date: "2019-06-01") { prioritiesByProgramme { programme { name } stpCount priorityCount } } } }`,
    );
    const all = await run(
      `{ regions { asOf { prioritiesByProgramme { programme { name } stpCount priorityCount } } } }`,
    );
    expect(all).toBeLessThanOrEqual(one + 1);
  });
});

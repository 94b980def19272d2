import { subgraph as geography } from '@nhs-hub/geography';
import { subgraphHarness } from '@nhs-hub/gateway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph } from '../index.js';

const graph = subgraphHarness(subgraph, { composedWith: [geography] });
beforeAll(graph.start);
afterAll(graph.close);

describe('through the gateway, composed with geography', () => {
  it("answers who leads Lincolnshire, with geography's name and region", async () => {
    const data = await graph.ask<{ stp: unknown }>(
      `{ stp(code: "QJM") { name region { name } leads { name role organisation { name kind } } } }`,
    );
    expect(data.stp).toEqual({
      name: 'Lincolnshire',
      region: { name: 'Midlands' },
      leads: [{ name: 'Allan Kitt', role: 'Lead', organisation: { name: 'South West Lincolnshire CCG', kind: 'CCG' } }],
    });
  });

  it('follows an organisation to the STPs it leads, named by geography', async () => {
    const data = await graph.ask<{ organisation: { leadsStps: { code: string; name: string }[] } }>(
      `{ organisation(id: "university-hospitals-bristol-nhs-ft") { leadsStps { code name } } }`,
    );
    expect(data.organisation.leadsStps).toEqual([
      { code: 'QUY', name: 'Bristol, North Somerset and South Gloucestershire' },
      { code: 'QOX', name: 'Bath, Swindon and Wiltshire' },
    ]);
  });

  it('says the Midlands regional director is announced but not named', async () => {
    const data = await graph.ask<{ region: { name: string; leaders: unknown[]; leadershipNote: string } }>(
      `{ region(code: "Y60") { name leaders { id } leadershipNote } }`,
    );
    expect(data.region.name).toBe('Midlands');
    expect(data.region.leaders).toEqual([]);
    expect(data.region.leadershipNote).toContain('The seeds name no regional director for this region');
  });

  it("resolves every STP's leads in as many organisations statements as one STP's", async () => {
    const selection = 'code leads { name role organisation { name kind } person { roles { kind } } flags { code } }';
    const count = async (q: string) => {
      graph.resetCounters();
      await graph.ask(q);
      return graph.running.counter.count;
    };
    const one = await count(`{ stps(first: 1) { nodes { ${selection} } } }`);
    const all = await count(`{ stps(first: 200) { totalCount nodes { ${selection} } } }`);
    expect(one).toBeGreaterThan(0);
    expect(all).toBe(one);
  });

  it("answers each lead's history through the gateway, in as many organisations statements for every STP as for one", async () => {
    const data = await graph.ask<{
      stp: { leads: { name: string; history: { release: number; kind: string; value: string | null }[] }[] };
    }>(`{ stp(code: "QJM") { leads { name history { release kind value } } } }`);
    expect(data.stp.leads).toEqual([
      { name: 'Allan Kitt', history: [{ release: 1, kind: 'seed', value: 'allan-kitt' }] },
    ]);
    const count = async (q: string) => {
      graph.resetCounters();
      await graph.ask(q);
      return graph.running.counter.count;
    };
    const selection = 'code leads { history { value at source { file line } } asRole { history { value } } }';
    const one = await count(`{ stps(first: 1) { nodes { ${selection} } } }`);
    const all = await count(`{ stps(first: 200) { nodes { ${selection} } } }`);
    expect(all).toBe(one);
  });
});

import { subgraphHarness } from '@nhs-hub/gateway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph } from '../index.js';

const geo = subgraphHarness(subgraph);
beforeAll(geo.start);
afterAll(geo.close);

describe('regions', () => {
  it('lists four regions before April 2018, five in 2018/19 and seven from April 2019', async () => {
    const { body } = await geo.query<Record<string, { code: string }[]>>(
      `{ a: regions(asOf: "2017-06-01") { code } b: regions(asOf: "2018-06-01") { code } c: regions(asOf: "2019-06-01") { code } all: regions { code } }`,
    );
    const codes = (k: string) => body.data?.[k]?.map((r) => r.code);
    expect(codes('a')).toEqual(['Y54', 'Y55', 'Y56', 'Y57']);
    expect(codes('b')).toEqual(['Y54', 'Y55', 'Y56', 'Y58', 'Y59']);
    expect(codes('c')).toEqual(['Y56', 'Y58', 'Y59', 'Y60', 'Y61', 'Y62', 'Y63']);
    expect(codes('all')).toHaveLength(10);
  });

  it('answers a region by ODS or ONS code with its STPs on a date and flags inferred opening dates', async () => {
    const { body } = await geo.query<{
      south: { name: string; validTo: string; stps: { code: string }[] };
      midlands: { code: string; validFromIsInferred: boolean; source: { line: number } };
    }>(`{
      south: region(code: "Y57") { name validTo stps { code } }
      midlands: region(code: "E40000008") { code validFromIsInferred source { line } }
    }`);
    expect(body.data?.south.name).toBe('South of England');
    expect(body.data?.south.validTo).toBe('2018-03-31');
    expect(body.data?.south.stps).toHaveLength(13); // its last day: the 6 STPs of South East and 7 of South West
    expect(body.data?.south.stps.map((s) => s.code)).toContain('QJK');
    expect(body.data?.midlands).toEqual({ code: 'Y60', validFromIsInferred: true, source: { line: 9 } });
  });

  it('describes a region as of a date with its members and derived population', async () => {
    const { body } = await geo.query<{ regionSnapshot: Record<string, unknown> }>(
      `{ regionSnapshot(code: "Y54", asOf: "2018-06-07") { regionCode asOf stpCodes population populationIsComplete stpCodesWithoutPopulation } }`,
    );
    expect(body.data?.regionSnapshot).toEqual({
      regionCode: 'Y54',
      asOf: '2018-06-07',
      stpCodes: ['QE1', 'QF7', 'QHM', 'QOP', 'QOQ', 'QWO', 'QYG'],
      // 1.6M + 1.5M + 2.8M + 1.4M + 2.64M + 2.6M as the tracker states them; QHM has none
      population: 12_540_000,
      populationIsComplete: false,
      stpCodesWithoutPopulation: ['QHM'],
    });
  });

  it('answers unknown and malformed region codes with clear errors', async () => {
    const { body } = await geo.query(`{ a: region(code: "Y99") { code } b: region(code: "North") { code } }`);
    expect(body.errors?.map((e) => e.extensions?.code).sort()).toEqual(['BAD_USER_INPUT', 'NOT_FOUND']);
  });

  it('lists every region with its STPs in a constant number of statements', async () => {
    const run = async (q: string) => {
      geo.resetCounters();
      const { body } = await geo.query(q);
      expect(body.errors).toBeUndefined();
      return geo.statements();
    };
    const one = await run(`{ region(code: "Y60") { stps { code region { code } } } }`);
    const all = await run(`{ regions { stps(asOf: "2018-06-01") { code region { code } } asOf { population } } }`);
    expect(all).toBeLessThanOrEqual(one + 1);
  });
});

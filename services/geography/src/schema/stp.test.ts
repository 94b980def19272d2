import { subgraphHarness } from '@nhs-hub/gateway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph } from '../index.js';

const geo = subgraphHarness(subgraph);
beforeAll(geo.start);
afterAll(geo.close);

describe('stp(code)', () => {
  it('answers Lincolnshire with its population, source and region now and in 2018', async () => {
    const { status, body } = await geo.query(`{
      stp(code: "QJM") {
        code onsCode name officialName population populationAsStated
        populationSource { line text document { file publisher } }
        region { code name } earlier: region(asOf: "2018-06-01") { code name }
        regionMembership(asOf: "2017-01-01") { basis region { code } flags { code } }
        icsStatus
      }
    }`);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data?.stp).toEqual({
      code: 'QJM',
      onsCode: 'E54000013',
      name: 'Lincolnshire',
      officialName: 'Lincolnshire',
      population: 700000,
      populationAsStated: 'Population: 700K',
      populationSource: {
        line: 819,
        text: 'Population: 700K',
        document: {
          file: 'seeds/002_5ca6f18803646174.txt',
          publisher: 'Association of British HealthTech Industries (ABHI)',
        },
      },
      region: { code: 'Y60', name: 'Midlands' },
      earlier: { code: 'Y55', name: 'Midlands and East of England' },
      regionMembership: { basis: 'INFERRED', region: { code: 'Y55' }, flags: [{ code: 'INFERRED' }] },
      icsStatus: 'NONE',
    });
  });

  it('accepts any ONS code the footprint has had, in any case', async () => {
    const { body } = await geo.query(`{
      a: stp(code: "E54000013") { code }
      b: stp(code: "e54000050") { code name validFrom predecessors { code validTo successor { code } } }
      c: stp(code: "E54000002") { code validFromAsStated }
    }`);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      a: { code: 'QJM' },
      b: {
        code: 'QHM',
        name: 'Cumbria and North East',
        validFrom: '2018-06-07',
        predecessors: [
          { code: 'QMK', validTo: '2018-06-06', successor: { code: 'QHM' } },
          { code: 'QT8', validTo: '2018-06-06', successor: { code: 'QHM' } },
          { code: 'QVP', validTo: '2018-06-06', successor: { code: 'QHM' } },
        ],
      },
      c: { code: 'QT8', validFromAsStated: '2016' },
    });
  });

  it('gives a closed STP its last region by default and none after it closed', async () => {
    const { body } = await geo.query(
      `{ stp(code: "QVP") { region { code } after: region(asOf: "2019-06-01") { code } } }`,
    );
    expect(body.data?.stp).toEqual({ region: { code: 'Y54' }, after: null });
  });

  it('answers an unknown code with NOT_FOUND and a malformed one with BAD_USER_INPUT, never a 500', async () => {
    const { status, body } = await geo.query(
      `{ unknown: stp(code: "QZZ") { code } malformed: stp(code: "Lincs") { code } }`,
    );
    expect(status).toBe(200);
    expect(body.data).toEqual({ unknown: null, malformed: null });
    const codes = Object.fromEntries((body.errors ?? []).map((e) => [e.path?.[0], e.extensions?.code]));
    expect(codes).toEqual({ unknown: 'NOT_FOUND', malformed: 'BAD_USER_INPUT' });
    expect(body.errors?.find((e) => e.path?.[0] === 'unknown')?.message).toContain(
      "no STP has the ODS or ONS code 'QZZ'",
    );
  });

  it('rejects an impossible date with a clear message', async () => {
    const { body } = await geo.query(`{ stp(code: "QJM") { region(asOf: "2018-02-30") { code } } }`);
    expect(body.errors?.[0]?.message).toContain('does not exist');
  });
});

describe('stps(filter, orderBy, paging)', () => {
  it('lists the eleven Midlands STPs of today and the seventeen of Midlands and East in June 2018', async () => {
    const { body } = await geo.query<{
      now: { totalCount: number; nodes: { code: string }[] };
      then: { totalCount: number };
    }>(`{
      now: stps(filter: { regionCode: "Y60" }, orderBy: CODE) { totalCount nodes { code } }
      then: stps(filter: { regionCode: "E40000002", asOf: "2018-06-01" }) { totalCount }
    }`);
    expect(body.data?.now.nodes.map((n) => n.code)).toEqual([
      'QGH',
      'QHL',
      'QJ2',
      'QJM',
      'QK1',
      'QNC',
      'QOC',
      'QPM',
      'QT1',
      'QUA',
      'QWU',
    ]);
    expect(body.data?.then.totalCount).toBe(17);
  });

  it('sorts by population and pages', async () => {
    const { body } = await geo.query<{
      stps: { totalCount: number; hasNextPage: boolean; nodes: { code: string; population: number }[] };
    }>(
      `{ stps(orderBy: POPULATION, descending: true, first: 2, offset: 1, filter: { inTracker: true }) { totalCount hasNextPage nodes { code population } } }`,
    );
    expect(body.data?.stps).toEqual({
      totalCount: 44,
      hasNextPage: true,
      nodes: [
        { code: 'QWO', population: 2640000 },
        { code: 'QYG', population: 2600000 },
      ],
    });
  });

  it('filters by ICS status as the tracker states it', async () => {
    const { body } = await geo.query<{ stps: { nodes: { code: string }[] } }>(
      `{ stps(filter: { icsStatus: SECOND_WAVE }, orderBy: CODE) { nodes { code } } }`,
    );
    expect(body.data?.stps.nodes.map((n) => n.code)).toEqual(['QJG', 'QR1', 'QT8', 'QWO']);
  });

  it('refuses pages larger than 200', async () => {
    const { body } = await geo.query(`{ stps(first: 1000) { totalCount } }`);
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('batching', () => {
  const entities = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Stp { code name region { code } earlier: region(asOf: "2017-06-01") { code } regionHistory { validFrom } integratedCareSystems { name } icsStatus onsCodes { code } successor { code } } } }`;

  async function statementsFor(codes: string[]): Promise<number> {
    geo.resetCounters();
    const { body } = await geo.query<{ _entities: { code: string; region: { code: string } | null }[] }>(entities, {
      reps: codes.map((code) => ({ __typename: 'Stp', code })),
    });
    expect(body.errors).toBeUndefined();
    expect(body.data?._entities.map((e) => e.code)).toEqual(codes);
    return geo.statements();
  }

  it('resolves 2 or 44 Stp representations with the same number of SQL statements', async () => {
    const all = await geo.query<{ stps: { nodes: { code: string }[] } }>(
      `{ stps(first: 200, filter: { inTracker: true }) { nodes { code } } }`,
    );
    const codes = all.body.data?.stps.nodes.map((n) => n.code) ?? [];
    expect(codes).toHaveLength(44);
    // QVP has a successor, so both runs also take the second hop (successor -> Stp) once.
    const few = await statementsFor(['QJM', 'QVP']);
    const many = await statementsFor(codes);
    expect(many).toBe(few);
    expect(few).toBeLessThanOrEqual(5);
  });

  it('reads an STP looked up by code once, by ODS or ONS code, and batches its fields after it', async () => {
    for (const code of ['QJM', 'E54000013']) {
      geo.resetCounters();
      const name = await geo.ask<{ stp: { code: string; name: string } }>(`{ stp(code: "${code}") { code name } }`);
      expect(name.stp).toEqual({ code: 'QJM', name: 'Lincolnshire' });
      expect(geo.statements(), code).toBe(1);
    }
    geo.resetCounters();
    await geo.ask(`{ stp(code: "QJM") { name icsStatus region { code } onsCodes { code } } }`);
    // The STP, then its ICS designations, memberships (with their regions) and ONS codes, one each.
    expect(geo.statements()).toBe(4);
  });

  it('lists STPs with their regions in a constant number of statements', async () => {
    const run = async (first: number) => {
      geo.resetCounters();
      const { body } = await geo.query(
        `{ stps(first: ${first}) { nodes { code region { code name } regionHistory { region { code } } } } }`,
      );
      expect(body.errors).toBeUndefined();
      return geo.statements();
    };
    expect(await run(2)).toBe(await run(45));
  });
});

import { readFileSync } from 'node:fs';
import { checkCitation, DataFileError } from '@nhs-hub/kit/subgraph';
import { editedCopy, subgraphHarness } from '@nhs-hub/gateway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph } from '../index.js';
import { buildGeographyRows, GEOGRAPHY_DATA_DIR, seedGeography } from './index.js';

const rows = buildGeographyRows();

function regionOn(stpCode: string, date: string): string[] {
  return rows.memberships
    .filter((m) => m.stp_code === stpCode)
    .filter((m) => (m.valid_from ?? '0000') <= date && (m.valid_to ?? '9999') >= date)
    .map((m) => m.region_code);
}

function stpsExistingOn(date: string) {
  return rows.stps.filter((s) => (s.valid_from ?? '0000') <= date && (s.valid_to ?? '9999') >= date);
}

describe('geography rows built from the sources', () => {
  it('holds the 44 tracker STPs, QHM, and all ten regions', () => {
    expect(rows.stps.filter((s) => s.tracker_heading_line !== null)).toHaveLength(44);
    expect(rows.stps.map((s) => s.code)).toContain('QHM');
    expect(rows.stps).toHaveLength(45);
    expect(rows.regions.map((r) => r.code).sort()).toEqual([
      'Y54',
      'Y55',
      'Y56',
      'Y57',
      'Y58',
      'Y59',
      'Y60',
      'Y61',
      'Y62',
      'Y63',
    ]);
  });

  it('reads Lincolnshire as the tracker and the April 2019 list state it', () => {
    const qjm = rows.stps.find((s) => s.code === 'QJM');
    expect(qjm).toMatchObject({
      name: 'Lincolnshire',
      ons_code: 'E54000013',
      population: 700_000,
      population_line: 819,
      population_text: 'Population: 700K',
    });
    expect(
      readFileSync(`${GEOGRAPHY_DATA_DIR}../../../infra/sources/seeds/002_5ca6f18803646174.txt`, 'utf8').split(
        '\n',
      )[818],
    ).toBe('Population: 700K');
  });

  it('gives every STP exactly one region on any date it existed: four regions, then five, then seven', () => {
    for (const [date, allowed, count] of [
      ['2017-06-01', ['Y54', 'Y55', 'Y56', 'Y57'], 44],
      ['2018-06-01', ['Y54', 'Y55', 'Y56', 'Y58', 'Y59'], 44],
      ['2018-06-07', ['Y54', 'Y55', 'Y56', 'Y58', 'Y59'], 42],
      ['2019-06-01', ['Y56', 'Y58', 'Y59', 'Y60', 'Y61', 'Y62', 'Y63'], 42],
    ] as const) {
      const existing = stpsExistingOn(date);
      expect(existing, date).toHaveLength(count);
      for (const stp of existing) {
        const regions = regionOn(stp.code, date);
        expect(regions, `${stp.code} on ${date}`).toHaveLength(1);
        expect(allowed, `${stp.code} on ${date}`).toContain(regions[0]);
      }
    }
  });

  it('uses the regions the sources give for the headline cases', () => {
    expect(regionOn('QJM', '2018-06-01')).toEqual(['Y55']);
    expect(regionOn('QJM', '2019-04-01')).toEqual(['Y60']);
    expect(regionOn('QJK', '2017-06-01')).toEqual(['Y57']); // Devon: South of England before the split
    expect(regionOn('QJK', '2018-06-01')).toEqual(['Y58']);
    expect(regionOn('QHM', '2018-06-06')).toEqual([]); // formed on 2018-06-07
    expect(regionOn('QMK', '2018-06-07')).toEqual([]); // merged into QHM that day
  });

  it('flags every pre-April 2018 membership as inferred', () => {
    const early = rows.memberships.filter((m) => m.valid_to === '2018-03-31');
    expect(early.length).toBeGreaterThan(40);
    expect(early.every((m) => m.basis === 'INFERRED')).toBe(true);
  });

  it('cites only text that stands verbatim on the cited line', () => {
    const citations = [
      ...rows.stps.flatMap((s) => [
        { document: s.official_source_document, line: s.official_source_line, text: s.official_source_text },
        ...(s.population_line && s.population_text
          ? [{ document: 'seeds/002_5ca6f18803646174.txt', line: s.population_line, text: s.population_text }]
          : []),
      ]),
      ...rows.memberships.map((m) => ({ document: m.source_document, line: m.source_line, text: m.source_text })),
      ...rows.onsCodes.map((o) => ({ document: o.source_document, line: o.source_line, text: o.source_text })),
    ];
    expect(citations.length).toBeGreaterThan(200);
    expect(citations.map(checkCitation).filter(Boolean)).toEqual([]);
  });
});

describe('seeding', () => {
  const scoped = subgraphHarness(subgraph);
  beforeAll(scoped.start);
  afterAll(scoped.close);

  const counts = async () => ({
    stp: (
      await scoped.db
        .selectFrom('stp')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
    membership: (
      await scoped.db
        .selectFrom('stp_region_membership')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  });

  it('is idempotent: a second run leaves the same rows', async () => {
    const before = await counts();
    await seedGeography(scoped.db);
    expect(await counts()).toEqual(before);
    expect(before).toEqual({ stp: 45, membership: rows.memberships.length });
  });

  it('rejects a malformed data file with file:line and leaves the database as it was', async () => {
    const before = await counts();
    const dir = editedCopy(GEOGRAPHY_DATA_DIR, {
      'tracker-stps.csv': (csv) => {
        const lines = csv.split('\n');
        lines[18] = lines[18]?.replace('Population: 700K', 'Population: 750K') ?? ''; // Lincolnshire, line 19 of the file
        lines[3] = lines[3]?.replace('QNQ', 'not-a-code') ?? '';
        return lines.join('\n');
      },
    });

    const error = await seedGeography(scoped.db, { dataDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataFileError);
    const message = (error as DataFileError).message;
    expect(message).toContain('tracker-stps.csv:4 [ods_code]');
    expect(message).toMatch(
      /tracker-stps\.csv:19 \[population_text\]: citation does not hold: .*819 does not contain "Population: 750K"/,
    );
    expect(await counts()).toEqual(before);
    const qjm = await scoped.db
      .selectFrom('stp')
      .select('population')
      .where('code', '=', 'QJM')
      .executeTakeFirstOrThrow();
    expect(qjm.population).toBe(700_000);
  });
});

import {
  displayPath,
  listReleases,
  loadFile,
  prepareSubgraph,
  releaseChanges,
  revertRelease,
} from '@nhs-hub/kit/subgraph';
import { subgraphHarness } from '@nhs-hub/gateway/testing';
import { loadFiles, refusedProblems as problemsOf } from '@nhs-hub/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph } from '../index.js';
import { membershipLoadable } from './loadables.js';

// Through the gateway, as callers ask: Stp.region(asOf:) must answer what was loaded.
const geo = subgraphHarness(subgraph, { gateway: {} });
const files = loadFiles('geography-memberships-');
beforeAll(geo.start);
afterAll(async () => {
  await geo.close();
  files.remove();
});

const LIST = 'reference/stps-2019.csv';
const HEADER = 'stp_code,region_code,valid_from,valid_to,basis,explanation,source_document,source_line,source_text';
const file = (name: string, ...rows: string[]) => files.csv(name, HEADER, ...rows);
/** Lincolnshire's line of the April 2019 list (line 12), and Cambridgeshire and Peterborough's (line 20). */
const LINCOLNSHIRE = `${LIST},12,"QJM,Lincolnshire,Y60,E40000008,Midlands"`;
const CAMBRIDGESHIRE = `${LIST},20,"Y61,E40000007,East of England"`;

interface Answer {
  stp: {
    region: { code: string } | null;
    before: { code: string } | null;
    spring: { code: string } | null;
    summer: { code: string; name: string } | null;
    earliest: { code: string } | null;
    membership: { validFrom: string | null; validTo: string | null; basis: string; source: { line: number } } | null;
  };
}
const lincolnshire = async () =>
  (
    await geo.ask<Answer>(`{ stp(code: "QJM") {
      region { code }
      before: region(asOf: "2018-06-01") { code }
      spring: region(asOf: "2019-06-30") { code }
      summer: region(asOf: "2019-07-01") { code name }
      earliest: region(asOf: "2017-06-01") { code }
      membership: regionMembership(asOf: "2019-07-01") { validFrom validTo basis source { line } }
    } }`)
  ).stp;
const regionsOf = async () => {
  const s = await lincolnshire();
  return {
    latest: s.region?.code,
    '2017-06-01': s.earliest?.code,
    '2018-06-01': s.before?.code,
    '2019-06-30': s.spring?.code,
    '2019-07-01': s.summer?.code,
  };
};
const SEEDED = {
  latest: 'Y60',
  '2017-06-01': 'Y55',
  '2018-06-01': 'Y55',
  '2019-06-30': 'Y60',
  '2019-07-01': 'Y60',
};
const releaseCount = async () => (await listReleases(geo.db)).length;

describe('npm run load -- geography stp_region_membership', () => {
  it('answers the seeded memberships: Midlands and East in 2018/19, Midlands from April 2019', async () => {
    expect(await regionsOf()).toEqual(SEEDED);
  });

  it('loads a region change as one release: Stp.region(asOf:) answers it through the gateway, recorded with file:line and the cited line, and a revert undoes it', async () => {
    // Lincolnshire's April 2019 membership closed at the end of June and a second one from July,
    // misread from Cambridgeshire and Peterborough's line of the list (East of England).
    const path = file(
      'change.csv',
      `QJM,Y60,2019-04-01,2019-06-30,STATED,"Region from April 2019, as the April 2019 list states (region_ods).",${LINCOLNSHIRE}`,
      `QJM,Y61,2019-07-01,,STATED,Region from July 2019 (misread from Cambridgeshire and Peterborough's line).,${CAMBRIDGESHIRE}`,
    );
    const loaded = await loadFile(geo.db, membershipLoadable, path, { actor: 'test' });
    expect(loaded).toMatchObject({ rows: 2, inserted: 1, updated: 1, unchanged: 0, deleted: 0 });
    expect(await regionsOf()).toEqual({ ...SEEDED, latest: 'Y61', '2019-07-01': 'Y61' });
    expect((await lincolnshire()).summer).toEqual({ code: 'Y61', name: 'East of England' });
    expect((await lincolnshire()).membership).toEqual({
      validFrom: '2019-07-01',
      validTo: null,
      basis: 'STATED',
      source: { line: 20 },
    });

    const changes = await releaseChanges(geo.db, loaded.release ?? 0);
    expect(changes.map((c) => [c.op, c.key, c.before, c.after, c.source, c.entity])).toEqual([
      [
        'update',
        { stp_code: 'QJM', valid_from: '2019-04-01' },
        { valid_to: null, source_text: 'E54000013,QJM,Lincolnshire,Y60,E40000008,Midlands,Y55' },
        { valid_to: '2019-06-30', source_text: 'QJM,Lincolnshire,Y60,E40000008,Midlands' },
        { file: displayPath(path), line: 2, document: LIST, documentLine: 12 },
        { type: 'Stp', code: 'QJM' },
      ],
      [
        'insert',
        { stp_code: 'QJM', valid_from: '2019-07-01' },
        null,
        expect.objectContaining({ region_code: 'Y61', valid_to: null, source_line: 20 }),
        { file: displayPath(path), line: 3, document: LIST, documentLine: 20 },
        { type: 'Stp', code: 'QJM' },
      ],
    ]);
    // The same file again changes nothing and is no release.
    expect(await loadFile(geo.db, membershipLoadable, path, { actor: 'test' })).toMatchObject({
      unchanged: 2,
      release: null,
    });

    // A restart's reseed keeps both loaded rows as the load left them (and checks they still keep the rules).
    const restart = await prepareSubgraph(subgraph, geo.hub.database, geo.running.schemaName, true);
    expect(
      restart.seedOutcome?.kept
        .filter((k) => k.table === 'stp_region_membership')
        .map(({ key, release }) => ({ key, release })),
    ).toEqual([
      { key: { stp_code: 'QJM', valid_from: '2019-04-01' }, release: loaded.release },
      { key: { stp_code: 'QJM', valid_from: '2019-07-01' }, release: loaded.release },
    ]);
    expect(await regionsOf()).toEqual({ ...SEEDED, latest: 'Y61', '2019-07-01': 'Y61' });

    await revertRelease(geo.db, loaded.release ?? 0, { actor: 'test' });
    expect(await regionsOf()).toEqual(SEEDED);
  });

  it('refuses a row that would put an STP in two regions on one day, naming the rows; nothing is written', async () => {
    const releases = await releaseCount();
    // Lincolnshire in London from January 2019, misread from North West London's line of the list.
    const path = file(
      'overlap.csv',
      `QJM,Y56,2019-01-01,,STATED,Region from January 2019 (misread).,${LIST},26,"Y56,E40000003,London"`,
    );
    expect(await problemsOf(loadFile(geo.db, membershipLoadable, path))).toEqual([
      `overlap.csv:2 [valid_from] STP QJM (Lincolnshire) would be in two regions on 2019-01-01: Y56 from 2019-01-01 to open (line 2) and Y55 from 2018-04-01 to 2019-03-31 (held, citing ${LIST} line 12); an STP is in one region at a time, so end one before the other starts`,
      `overlap.csv:2 [valid_from] STP QJM (Lincolnshire) would be in two regions on 2019-04-01: Y56 from 2019-01-01 to open (line 2) and Y60 from 2019-04-01 to open (held, citing ${LIST} line 12); an STP is in one region at a time, so end one before the other starts`,
    ]);
    expect(await releaseCount()).toBe(releases);
    expect(await regionsOf()).toEqual(SEEDED);
  });

  it('refuses bad rows with file:line, column and plain words, before anything is written', async () => {
    const releases = await releaseCount();
    const path = file(
      'bad.csv',
      `QJM,,2019-07-01,,STATED,Region from July 2019.,${CAMBRIDGESHIRE}`,
      `QZZ,Y61,2019-07-01,,STATED,Region from July 2019.,${CAMBRIDGESHIRE}`,
      `QUE,Y61,2019-07-01,2019-06-30,STATED,Region from July 2019.,${CAMBRIDGESHIRE}`,
      `QUE,Y61,2019-08-01,,STATED,Region from August 2019.,${LIST},20,East of England and Midlands`,
    );
    expect(await problemsOf(loadFile(geo.db, membershipLoadable, path))).toEqual([
      'bad.csv:2 [region_code] column region_code is required',
      'bad.csv:3 [stp_code] stp_code QZZ is not in the stp list geography publishes (schema/reference-lists.json)',
      'bad.csv:4 [valid_to] valid_to 2019-06-30 is before valid_from 2019-07-01: a membership ends on or after the day it starts',
      `bad.csv:5 [source_text] citation does not hold: ${LIST}:20 does not contain "East of England and Midlands" (it reads "E54000021,QUE,Cambridgeshire and Peterborough,Y61,E40000007,East of England,Y55")`,
    ]);
    expect(await releaseCount()).toBe(releases);
  });

  it('refuses a membership of a region geography lacks, or outside its region’s or STP’s life, from the tables as the load leaves them', async () => {
    const releases = await releaseCount();
    // Midlands and East of England (Y55) ended on 2019-03-31; QMK merged into QHM on 2018-06-07.
    // A region is geography's own: checked against its table, so a region loaded here may be named at once.
    const path = file(
      'outside.csv',
      `QJM,Y55,2019-04-01,,STATED,Region from April 2019.,${LINCOLNSHIRE}`,
      `QMK,Y54,2018-04-01,2018-12-31,INFERRED,Not in the April 2019 list.,${LIST},5,QHM`,
      `QUE,Y99,2019-08-01,,STATED,Region from August 2019.,${CAMBRIDGESHIRE}`,
    );
    expect(await problemsOf(loadFile(geo.db, membershipLoadable, path))).toEqual([
      "outside.csv:2 [valid_to] region Y55 (Midlands and East of England) ended on 2019-03-31: STP QJM's membership with no end (valid_to empty) runs after it",
      expect.stringMatching(
        /^outside\.csv:3 \[valid_to\] STP QMK \(.*\) closed on 2018-06-06: its membership to 2018-12-31 runs after it$/,
      ),
      expect.stringMatching(
        /^outside\.csv:4 \[valid_from\] STP QUE \(.*\) would be in two regions on 2019-08-01: Y99 from 2019-08-01 to open \(line 4\) and Y61 from 2019-04-01 to open \(held, citing reference\/stps-2019\.csv line 20\)/,
      ),
      'outside.csv:4 [region_code] geography has no region Y99',
    ]);
    expect(await releaseCount()).toBe(releases);
    expect(await regionsOf()).toEqual(SEEDED);
  });

  it('deletes memberships by STP and first day (an empty valid_from is the one open at the start), and a revert puts them back', async () => {
    const path = files.csv('gone.csv', 'stp_code,valid_from', 'QJM,2019-04-01', 'QJM,');
    const deleted = await loadFile(geo.db, membershipLoadable, path, { mode: 'delete', actor: 'test' });
    expect(deleted).toMatchObject({ rows: 2, deleted: 2 });
    expect(await regionsOf()).toEqual({
      latest: undefined,
      '2017-06-01': undefined,
      '2018-06-01': 'Y55',
      '2019-06-30': undefined,
      '2019-07-01': undefined,
    });
    const changes = await releaseChanges(geo.db, deleted.release ?? 0);
    expect(changes.map((c) => [c.op, c.key, c.entity])).toEqual([
      ['delete', { stp_code: 'QJM', valid_from: '2019-04-01' }, { type: 'Stp', code: 'QJM' }],
      ['delete', { stp_code: 'QJM', valid_from: null }, { type: 'Stp', code: 'QJM' }],
    ]);
    // A key the table does not hold refuses the file.
    expect(await problemsOf(loadFile(geo.db, membershipLoadable, path, { mode: 'delete' }))).toEqual([
      'gone.csv:2 [stp_code,valid_from] no row with stp_code QJM and valid_from 2019-04-01 in stp_region_membership to delete',
      'gone.csv:3 [stp_code,valid_from] no row with stp_code QJM and valid_from (empty) in stp_region_membership to delete',
    ]);

    await revertRelease(geo.db, deleted.release ?? 0, { actor: 'test' });
    expect(await regionsOf()).toEqual(SEEDED);
  });
});

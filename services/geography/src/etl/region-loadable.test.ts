import { displayPath, listReleases, loadFile, releaseChanges, revertRelease } from '@nhs-hub/kit/subgraph';
import { subgraphHarness } from '@nhs-hub/gateway/testing';
import { loadFiles, refusedProblems as problemsOf } from '@nhs-hub/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph } from '../index.js';
import { membershipLoadable, regionLoadable } from './loadables.js';

const geo = subgraphHarness(subgraph, { gateway: {} });
const files = loadFiles('geography-regions-');
beforeAll(geo.start);
afterAll(async () => {
  await geo.close();
  files.remove();
});

const PAPER = 'seeds/000_647e8cd618725ea4.txt';
const REGIONS = 'reference/nhs-england-regions.csv';
const HEADER = 'ons_code,ods_code,name,valid_from,valid_to,certainty,source_document,source_line,source_text';
const file = (name: string, ...rows: string[]) => files.csv(name, HEADER, ...rows);
/** The Lincolnshire paper's proposal of a Central & East of England region (line 333), which never formed. */
const CENTRAL_AND_EAST = `E40000011,Y64,Central and East of England,2019-04-01,,stated,${PAPER},333,a Central & East of England regional team`;

const releaseCount = async () => (await listReleases(geo.db)).length;

interface RegionAnswer {
  region: {
    code: string;
    name: string;
    validFrom: string;
    validFromIsInferred: boolean;
    source: { document: { file: string }; line: number; text: string };
  } | null;
}
const region = async (code: string) =>
  (
    await geo.query<RegionAnswer>(
      'query ($code: ID!) { region(code: $code) { code name validFrom validFromIsInferred source { document { file } line text } } }',
      { code },
    )
  ).body.data?.region ?? null;

describe('npm run load -- geography region', () => {
  it('loads a region with its citation, answered through the gateway and named by a membership load at once; a delete and its revert', async () => {
    const path = file('central-and-east.csv', CENTRAL_AND_EAST);
    const loaded = await loadFile(geo.db, regionLoadable, path, { actor: 'test' });
    expect(loaded).toMatchObject({ inserted: 1, updated: 0 });
    expect(await region('Y64')).toEqual({
      code: 'Y64',
      name: 'Central and East of England',
      validFrom: '2019-04-01',
      validFromIsInferred: false,
      source: { document: { file: PAPER }, line: 333, text: 'a Central & East of England regional team' },
    });
    const [change] = await releaseChanges(geo.db, loaded.release ?? 0);
    expect(change).toMatchObject({
      op: 'insert',
      key: { code: 'Y64' },
      source: { file: displayPath(path), line: 2, document: PAPER, documentLine: 333 },
      entity: { type: 'Region', code: 'Y64' },
    });

    // A membership may name it at once: geography checks a membership's region against its own table.
    const membership = await loadFile(
      geo.db,
      membershipLoadable,
      files.csv(
        'membership.csv',
        'stp_code,region_code,valid_from,valid_to,basis,explanation,source_document,source_line,source_text',
        'QJM,Y64,2019-04-01,,STATED,Region as the paper proposed it (misread).,seeds/000_647e8cd618725ea4.txt,333,Central & East of England',
      ),
      { actor: 'test' },
    );
    // A region still named by a membership is not deleted, in plain words.
    const gone = files.csv('gone.csv', 'code', 'Y64');
    expect(await problemsOf(loadFile(geo.db, regionLoadable, gone, { mode: 'delete' }))).toEqual([
      'gone.csv:2 [code] region Y64 (Central and East of England) is still the region of 1 membership(s) (STP QJM): load their changes first',
    ]);
    await revertRelease(geo.db, membership.release ?? 0, { actor: 'test' });

    const deleted = await loadFile(geo.db, regionLoadable, gone, { mode: 'delete', actor: 'test' });
    expect(deleted).toMatchObject({ deleted: 1 });
    expect(await region('Y64')).toBeNull();
    await revertRelease(geo.db, deleted.release ?? 0, { actor: 'test' });
    expect((await region('Y64'))?.name).toBe('Central and East of England');
    await revertRelease(geo.db, loaded.release ?? 0, { actor: 'test' });
    expect(await region('Y64')).toBeNull();
  });

  it('refuses a region whose memberships would run outside its life, naming them; nothing is written', async () => {
    const releases = await releaseCount();
    // Midlands and East of England (Y55) closed at the end of 2018, misread: its STPs were in it to March 2019.
    const path = file(
      'y55.csv',
      `E40000002,Y55,Midlands and East of England,2012-10-01,2018-12-31,stated,${REGIONS},3,"E40000002,Y55,Midlands and East of England"`,
    );
    const problems = await problemsOf(loadFile(geo.db, regionLoadable, path));
    expect(problems).toContain(
      "y55.csv:2 [valid_to] region Y55 (Midlands and East of England) ended on 2018-12-31: STP QJM's membership to 2019-03-31 runs after it",
    );
    expect(problems.every((p) => p.startsWith('y55.csv:2 [valid_to] region Y55'))).toBe(true);
    expect(await releaseCount()).toBe(releases);
    expect((await geo.ask<{ region: { validTo: string } }>('{ region(code: "Y55") { validTo } }')).region.validTo).toBe(
      '2019-03-31',
    );
  });

  it('refuses bad rows with file:line, column and plain words', async () => {
    const releases = await releaseCount();
    const path = file(
      'bad.csv',
      `,Y64,Central and East of England,2019-04-01,,stated,${PAPER},333,a Central & East of England regional team`,
      `E40000011,Y64,Central and East of England,2019-04-01,2019-03-31,stated,${PAPER},333,a Central & East of England regional team`,
      `E40000012,Y65,Central and East of England,2019-04-01,,proposed,${PAPER},333,a Central & East of England regional team`,
      `E40000013,Y66,Central and East of England,2019-04-01,,stated,${PAPER},334,a Central & East of England regional team`,
    );
    expect(await problemsOf(loadFile(geo.db, regionLoadable, path))).toEqual([
      'bad.csv:2 [ons_code] column ons_code is required',
      'bad.csv:3 [valid_to] valid_to 2019-03-31 is before valid_from 2019-04-01: a region ends on or after the day it begins',
      'bad.csv:4 [certainty] Invalid option: expected one of "stated"|"inferred-date"',
      expect.stringMatching(
        /^bad\.csv:5 \[source_text\] citation does not hold: seeds\/000_647e8cd618725ea4\.txt:334 does not contain "a Central & East of England regional team"/,
      ),
    ]);
    // An ONS code another region has: checked in the tables as the load leaves them.
    const twin = file('twin.csv', CENTRAL_AND_EAST.replace('E40000011', 'E40000008'));
    expect(await problemsOf(loadFile(geo.db, regionLoadable, twin))).toEqual([
      "twin.csv:2 [ons_code] ONS code E40000008 is region Y60 (Midlands)'s; a region has an ONS code of its own",
    ]);
    expect(await releaseCount()).toBe(releases);
  });
});

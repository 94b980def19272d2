import { displayPath, listReleases, loadFile, releaseChanges, revertRelease } from '@nhs-hub/kit/subgraph';
import { subgraphHarness } from '@nhs-hub/gateway/testing';
import { loadFiles, refusedProblems as problemsOf } from '@nhs-hub/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph } from '../index.js';
import { organisationSourceLoadable } from './loadables.js';

const organisations = subgraphHarness(subgraph, { gateway: {} });
const files = loadFiles('organisation-sources-');
beforeAll(organisations.start);
afterAll(async () => {
  await organisations.close();
  files.remove();
});

const PAPER = 'seeds/000_647e8cd618725ea4.txt';
const TRACKER = 'seeds/002_5ca6f18803646174.txt';
const HEADER = 'organisation_id,document,line,text';
const file = (name: string, ...rows: string[]) => files.csv(name, HEADER, ...rows);
const COUNCIL = 'lincolnshire-county-council';

const releaseCount = async () => (await listReleases(organisations.db)).length;
const sourcesOf = async (id: string) =>
  (
    await organisations.ask<{ organisation: { sources: { line: number; text: string }[] } }>(
      'query ($id: ID!) { organisation(id: $id) { sources { line text } } }',
      { id },
    )
  ).organisation.sources;
const SEEDED = [
  { line: 289, text: 'Lincolnshire County council' },
  { line: 291, text: "Lincolnshire county Council's" },
];

describe('npm run load -- organisations organisation_source', () => {
  it('corrects the text a line names an organisation by, answered through the gateway and recorded with file:line and the cited line; a revert undoes it', async () => {
    expect(await sourcesOf(COUNCIL)).toEqual(SEEDED);
    const path = file('council.csv', `${COUNCIL},${PAPER},291,Lincolnshire county Council`);
    const loaded = await loadFile(organisations.db, organisationSourceLoadable, path, { actor: 'test' });
    expect(loaded).toMatchObject({ rows: 1, inserted: 0, updated: 1 });
    expect(await sourcesOf(COUNCIL)).toEqual([SEEDED[0], { line: 291, text: 'Lincolnshire county Council' }]);
    expect(
      (await releaseChanges(organisations.db, loaded.release ?? 0)).map((c) => [
        c.op,
        c.key,
        c.before,
        c.after,
        c.source,
      ]),
    ).toEqual([
      [
        'update',
        { organisation_id: COUNCIL, source_document: PAPER, source_line: 291 },
        { source_text: "Lincolnshire county Council's" },
        { source_text: 'Lincolnshire county Council' },
        { file: displayPath(path), line: 2, document: PAPER, documentLine: 291 },
      ],
    ]);
    await revertRelease(organisations.db, loaded.release ?? 0, { actor: 'test' });
    expect(await sourcesOf(COUNCIL)).toEqual(SEEDED);
  });

  it('deletes a line and loads it again at the next position; reverts put them back', async () => {
    const deleted = await loadFile(
      organisations.db,
      organisationSourceLoadable,
      file('gone.csv', `${COUNCIL},${PAPER},291,Lincolnshire county Council's`),
      { mode: 'delete', actor: 'test' },
    );
    expect(deleted).toMatchObject({ deleted: 1 });
    expect(await sourcesOf(COUNCIL)).toEqual([SEEDED[0]]);
    const added = await loadFile(
      organisations.db,
      organisationSourceLoadable,
      file('again.csv', `${COUNCIL},${PAPER},291,Lincolnshire county Council's`),
      { actor: 'test' },
    );
    expect(added).toMatchObject({ inserted: 1 });
    expect(await sourcesOf(COUNCIL)).toEqual(SEEDED);
    await revertRelease(organisations.db, added.release ?? 0, { actor: 'test' });
    await revertRelease(organisations.db, deleted.release ?? 0, { actor: 'test' });
    expect(await sourcesOf(COUNCIL)).toEqual(SEEDED);
  });

  it('refuses to leave an organisation or a role’s link unnamed, or to name an organisation it lacks, in plain words; nothing is written', async () => {
    const releases = await releaseCount();
    // Dorset CCG's only line, which Tim Goodson's lead rests on.
    expect(
      await problemsOf(
        loadFile(
          organisations.db,
          organisationSourceLoadable,
          file('dorset.csv', `dorset-ccg,${TRACKER},240,Dorset CCG`),
          {
            mode: 'delete',
          },
        ),
      ),
    ).toEqual([
      'dorset.csv:2 [organisation_id] no line of organisation-sources.csv names dorset-ccg',
      `dorset.csv:2 [line] role 002-240-stp-lead is linked to dorset-ccg as named on ${TRACKER}:240, and no line of organisation-sources.csv would name it there`,
    ]);
    const path = file(
      'bad.csv',
      `${COUNCIL},${PAPER},289,Joint Strategic Needs Assessment`,
      `nowhere-ccg,${TRACKER},240,Dorset CCG`,
    );
    expect(await problemsOf(loadFile(organisations.db, organisationSourceLoadable, path))).toEqual([
      'bad.csv:2 [text] the name "Lincolnshire County council" is not written in any of its cited texts',
      'bad.csv:3 [organisation_id] no organisation nowhere-ccg in this subgraph (organisations.csv or its loads)',
    ]);
    expect(await releaseCount()).toBe(releases);
    expect(await sourcesOf(COUNCIL)).toEqual(SEEDED);
  });

  it('refuses bad rows with file:line, column and plain words', async () => {
    const path = file(
      'rows.csv',
      `${COUNCIL},reference/README.md,14,QHM`,
      `${COUNCIL},${PAPER},,Lincolnshire County council`,
      `${COUNCIL},${PAPER},290,Lincolnshire County council`,
      `Lincolnshire County Council,${PAPER},289,Lincolnshire County council`,
    );
    expect(await problemsOf(loadFile(organisations.db, organisationSourceLoadable, path))).toEqual([
      expect.stringMatching(/^rows\.csv:2 \[document\] Invalid option: expected one of /),
      'rows.csv:3 [line] column line is required',
      expect.stringMatching(
        /^rows\.csv:4 \[text\] citation does not hold: seeds\/000_647e8cd618725ea4\.txt:290 does not contain "Lincolnshire County council"/,
      ),
      'rows.csv:5 [organisation_id] expected a slug such as south-west-lincolnshire-ccg',
    ]);
  });
});

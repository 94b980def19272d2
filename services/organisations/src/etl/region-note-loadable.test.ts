import { subgraph as geography } from '@nhs-hub/geography';
import { displayPath, listReleases, loadFile, releaseChanges, revertRelease } from '@nhs-hub/kit/subgraph';
import { subgraphHarness } from '@nhs-hub/gateway/testing';
import { loadFiles, refusedProblems as problemsOf } from '@nhs-hub/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph } from '../index.js';
import { regionLeadershipNoteLoadable } from './loadables.js';

// Through the gateway with geography, which owns Region: as a caller asks for a region's leadership.
const graph = subgraphHarness(subgraph, { composedWith: [geography] });
const files = loadFiles('region-notes-');
beforeAll(graph.start);
afterAll(async () => {
  await graph.close();
  files.remove();
});

const PAPER = 'seeds/000_647e8cd618725ea4.txt';
const HEADER = 'region_code,position,note,document,line,text';
const file = (name: string, ...rows: string[]) => files.csv(name, HEADER, ...rows);
/** The Lincolnshire paper's line 62: Lincolnshire will be in the region called Midlands. */
const FIFTH = `Y60,5,The Lincolnshire paper (1 June 2018) places Lincolnshire in the region called Midlands.,${PAPER},62,Lincolnshire will be in the geographic region called 'Midlands'`;

const db = () => graph.running.db;
const midlands = async () =>
  (
    await graph.ask<{ region: { leadershipNote: string; leadershipSources: { line: number }[] } }>(
      '{ region(code: "Y60") { leadershipNote leadershipSources { line } } }',
    )
  ).region;

describe('npm run load -- organisations region_leadership_note', () => {
  it('adds a sentence to a region’s leadership note, answered through the gateway, recorded under the region; a delete and reverts', async () => {
    const seeded = await midlands();
    expect(seeded.leadershipSources.map((s) => s.line)).toEqual([331, 335, 342, 62]);
    const path = file('fifth.csv', FIFTH);
    const loaded = await loadFile(db(), regionLeadershipNoteLoadable, path, { actor: 'test' });
    expect(loaded).toMatchObject({ inserted: 1 });
    const now = await midlands();
    expect(now.leadershipSources.map((s) => s.line)).toEqual([331, 335, 342, 62, 62]);
    expect(now.leadershipNote).toContain('places Lincolnshire in the region called Midlands.');
    expect((await releaseChanges(db(), loaded.release ?? 0)).map((c) => [c.op, c.key, c.source, c.entity])).toEqual([
      [
        'insert',
        { region_code: 'Y60', position: 5 },
        { file: displayPath(path), line: 2, document: PAPER, documentLine: 62 },
        { type: 'Region', code: 'Y60' },
      ],
    ]);

    const deleted = await loadFile(db(), regionLeadershipNoteLoadable, files.csv('gone.csv', HEADER, FIFTH), {
      mode: 'delete',
      actor: 'test',
    });
    expect(deleted).toMatchObject({ deleted: 1 });
    expect(await midlands()).toEqual(seeded);
    await revertRelease(db(), deleted.release ?? 0, { actor: 'test' });
    expect((await midlands()).leadershipSources).toHaveLength(5);
    await revertRelease(db(), loaded.release ?? 0, { actor: 'test' });
    expect(await midlands()).toEqual(seeded);
  });

  it('refuses bad rows with file:line, column and plain words; nothing is written', async () => {
    const releases = (await listReleases(db())).length;
    const path = file(
      'bad.csv',
      FIFTH.replace('Y60,', 'Y99,'),
      FIFTH.replace(',5,', ',0,'),
      FIFTH.replace(PAPER, 'reference/README.md'),
      FIFTH.replace(',62,', ',63,'),
      FIFTH.replace('The Lincolnshire paper (1 June 2018) places Lincolnshire in the region called Midlands.', ''),
    );
    expect(await problemsOf(loadFile(db(), regionLeadershipNoteLoadable, path))).toEqual([
      'bad.csv:2 [region_code] region_code Y99 is not in the region list geography publishes (schema/reference-lists.json)',
      "bad.csv:3 [position] expected 1 or more: the sentence's place in the note (1, 2, ...)",
      expect.stringMatching(/^bad\.csv:4 \[document\] Invalid option: expected one of /),
      expect.stringMatching(
        /^bad\.csv:5 \[text\] citation does not hold: seeds\/000_647e8cd618725ea4\.txt:63 does not contain/,
      ),
      'bad.csv:6 [note] column note is required',
    ]);
    expect((await listReleases(db())).length).toBe(releases);
  });
});

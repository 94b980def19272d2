import { subgraph as geography } from '@nhs-hub/geography';
import { displayPath, listReleases, loadFile, releaseChanges, revertRelease } from '@nhs-hub/kit/subgraph';
import { subgraphHarness } from '@nhs-hub/gateway/testing';
import { loadFiles, refusedProblems as problemsOf } from '@nhs-hub/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph } from '../index.js';
import { considerationLoadable } from './loadables.js';

// Through the gateway with geography, whose Stp programmes extends with its considerations.
const programmes = subgraphHarness(subgraph, { composedWith: [geography] });
const files = loadFiles('considerations-');
beforeAll(programmes.start);
afterAll(async () => {
  await programmes.close();
  files.remove();
});

const TRACKER = 'seeds/002_5ca6f18803646174.txt';
const HEADER = 'stp_code,list,position,sub_position,line,text';
const COMMISSIONING = 'New commissioning executive to commission across the STP footprint taking over from seven CCGs';

const releaseCount = async () => (await listReleases(programmes.db)).length;
/** Buckinghamshire, Oxfordshire and Berkshire West's considerations, as a caller asks for them. */
const considerations = async () =>
  (
    await programmes.ask<{ stp: { considerations: { id: string; text: string; subPoints: string[] }[] } }>(
      '{ stp(code: "QU9") { considerations { id text subPoints } } }',
    )
  ).stp.considerations;

describe('npm run load -- programmes consideration', () => {
  it('corrects a consideration and adds one, answered through the gateway under its STP; a delete and reverts', async () => {
    const seeded = await considerations();
    expect(seeded.map((c) => c.id)).toEqual(['QU9.consideration.1', 'QU9.consideration.2', 'QU9.consideration.3']);
    // The second shortened to words its line still holds; a fourth misread from the section's first focus.
    const path = files.csv(
      'qu9.csv',
      HEADER,
      'QU9,CONSIDERATION,2,0,227,New commissioning executive to commission across the STP footprint',
      'QU9,CONSIDERATION,4,0,215,Organising urgent and emergency care',
    );
    const loaded = await loadFile(programmes.db, considerationLoadable, path, { actor: 'test' });
    expect(loaded).toMatchObject({ inserted: 1, updated: 1 });
    expect((await considerations()).map((c) => c.text)).toEqual([
      seeded[0]?.text,
      'New commissioning executive to commission across the STP footprint',
      seeded[2]?.text,
      'Organising urgent and emergency care',
    ]);
    expect(
      (await releaseChanges(programmes.db, loaded.release ?? 0)).map((c) => [c.op, c.key, c.source, c.entity]),
    ).toEqual([
      [
        'update',
        { id: 'QU9.consideration.2' },
        { file: displayPath(path), line: 2, document: TRACKER, documentLine: 227 },
        { type: 'Stp', code: 'QU9' },
      ],
      [
        'insert',
        { id: 'QU9.consideration.4' },
        { file: displayPath(path), line: 3, document: TRACKER, documentLine: 215 },
        { type: 'Stp', code: 'QU9' },
      ],
    ]);

    const deleted = await loadFile(
      programmes.db,
      considerationLoadable,
      files.csv('gone.csv', HEADER, 'QU9,CONSIDERATION,4,0,215,Organising urgent and emergency care'),
      { mode: 'delete', actor: 'test' },
    );
    expect(deleted).toMatchObject({ deleted: 1 });
    expect(await considerations()).toHaveLength(3);
    await revertRelease(programmes.db, deleted.release ?? 0, { actor: 'test' });
    await revertRelease(programmes.db, loaded.release ?? 0, { actor: 'test' });
    expect(await considerations()).toEqual(seeded);
  });

  it('refuses what the seed refuses, in plain words: positions that skip, a consideration with sub-points deleted, rows that are not its; nothing is written', async () => {
    const releases = await releaseCount();
    expect(
      await problemsOf(
        loadFile(
          programmes.db,
          considerationLoadable,
          files.csv('gap.csv', HEADER, 'QU9,CONSIDERATION,5,0,215,Organising urgent and emergency care'),
        ),
      ),
    ).toEqual(['gap.csv:1 QU9: positions 1,2,3,5 do not run 1..4']);
    expect(
      await problemsOf(
        loadFile(
          programmes.db,
          considerationLoadable,
          files.csv(
            'first.csv',
            HEADER,
            'QU9,CONSIDERATION,1,0,223,Three LHE with established delivery models to be integrated:',
          ),
          { mode: 'delete' },
        ),
      ),
    ).toEqual([
      'first.csv:1 QU9: positions 2,3 do not run 1..2',
      'first.csv:2 [id] QU9.consideration.1 still has 3 sub-points (tracker-items.csv); a consideration is deleted with them, by a reseed',
    ]);
    const rows = files.csv(
      'rows.csv',
      HEADER,
      `QU9,FOCUS,4,0,215,Organising urgent and emergency care`,
      `QU9,CONSIDERATION,1,1,224,Buckinghamshire`,
      `QU9,CONSIDERATION,4,0,240,${COMMISSIONING}`,
    );
    expect(await problemsOf(loadFile(programmes.db, considerationLoadable, rows))).toEqual([
      'rows.csv:2 [list] only CONSIDERATION bullets load as considerations; focuses load as focus',
      "rows.csv:3 [sub_position] only the bullets themselves (sub_position 0) load; sub-points are the seed's",
      'rows.csv:4 [line] line 240 is outside the QU9 section of the tracker (lines 205-234)',
    ]);
    expect(await releaseCount()).toBe(releases);
  });
});

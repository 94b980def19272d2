import { readFileSync } from 'node:fs';
import { subgraph as geography } from '@nhs-hub/geography';
import { displayPath, listReleases, loadFile, releaseChanges, revertRelease } from '@nhs-hub/kit/subgraph';
import { subgraphHarness } from '@nhs-hub/gateway/testing';
import { loadFiles, refusedProblems as problemsOf } from '@nhs-hub/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph } from '../index.js';
import { PROGRAMMES_DATA_DIR } from './files.js';
import { programmeLoadable, programmeSourceLoadable } from './loadables.js';

const programmes = subgraphHarness(subgraph, { composedWith: [geography] });
const files = loadFiles('programmes-');
beforeAll(programmes.start);
afterAll(async () => {
  await programmes.close();
  files.remove();
});

const LETTER = 'seeds/004_76447a4d1bef46a3.txt';
const [PROGRAMME_HEADER = '', ...PROGRAMME_LINES] = readFileSync(`${PROGRAMMES_DATA_DIR}programmes.csv`, 'utf8')
  .trim()
  .split('\n');
const [SOURCE_HEADER = '', ...SOURCE_LINES] = readFileSync(`${PROGRAMMES_DATA_DIR}programme-sources.csv`, 'utf8')
  .trim()
  .split('\n');
/** A programme's line of programmes.csv (or of programme-sources.csv, at a position), as it stands. */
const programmeLine = (code: string) => PROGRAMME_LINES.find((l) => l.startsWith(`${code},`)) ?? '';
const sourceLine = (code: string, position: number) =>
  SOURCE_LINES.find((l) => l.startsWith(`${code},${position},`)) ?? '';

const releaseCount = async () => (await listReleases(programmes.db)).length;
const order = async () =>
  (await programmes.ask<{ programmes: { code: string }[] }>('{ programmes { code } }')).programmes
    .map((p) => p.code)
    .slice(0, 3);
const mentalHealth = async () =>
  (
    await programmes.ask<{ programme: { name: string; sources: { line: number; text: string }[] } }>(
      '{ programme(code: "MENTAL_HEALTH") { name sources { line text } } }',
    )
  ).programme;

describe('npm run load -- programmes programme', () => {
  it('renames and reorders programmes in one release (positions unique at commit), answered through the gateway; a revert undoes it', async () => {
    expect(await order()).toEqual(['URGENT_AND_EMERGENCY_CARE', 'MENTAL_HEALTH', 'CANCER']);
    const path = files.csv(
      'order.csv',
      PROGRAMME_HEADER,
      programmeLine('URGENT_AND_EMERGENCY_CARE').replace(',1,', ',2,'),
      programmeLine('MENTAL_HEALTH').replace(',2,Mental health,', ',1,Mental health services,'),
    );
    const loaded = await loadFile(programmes.db, programmeLoadable, path, { actor: 'test' });
    expect(loaded).toMatchObject({ updated: 2 });
    expect(await order()).toEqual(['MENTAL_HEALTH', 'URGENT_AND_EMERGENCY_CARE', 'CANCER']);
    expect((await mentalHealth()).name).toBe('Mental health services');
    expect(
      (await releaseChanges(programmes.db, loaded.release ?? 0)).map((c) => [c.key, c.before, c.after, c.source]),
    ).toEqual([
      [{ code: 'URGENT_AND_EMERGENCY_CARE' }, { position: 1 }, { position: 2 }, { file: displayPath(path), line: 2 }],
      [
        { code: 'MENTAL_HEALTH' },
        { position: 2, name: 'Mental health' },
        { position: 1, name: 'Mental health services' },
        { file: displayPath(path), line: 3 },
      ],
    ]);
    await revertRelease(programmes.db, loaded.release ?? 0, { actor: 'test' });
    expect(await order()).toEqual(['URGENT_AND_EMERGENCY_CARE', 'MENTAL_HEALTH', 'CANCER']);
  });

  it('refuses in plain words a programme the rules, lines and matches still name, one without a line, and a shared position; nothing is written', async () => {
    const releases = await releaseCount();
    expect(
      await problemsOf(
        loadFile(programmes.db, programmeLoadable, files.csv('cancer.csv', PROGRAMME_HEADER, programmeLine('CANCER')), {
          mode: 'delete',
        }),
      ),
    ).toEqual([
      'cancer.csv:2 [code] programme CANCER is named by a rule (src/domain/rules.ts)',
      'cancer.csv:2 [code] programme CANCER is still named on 2 line(s) of programme-sources.csv',
      expect.stringMatching(/^cancer\.csv:2 \[code\] programme CANCER is still matched by \d+ priorities$/),
    ]);
    const path = files.csv(
      'new.csv',
      PROGRAMME_HEADER,
      'MATERNITY,99,Maternity,Maternity services.',
      programmeLine('MENTAL_HEALTH').replace(',2,', ',1,'),
    );
    expect(await problemsOf(loadFile(programmes.db, programmeLoadable, path))).toEqual([
      'new.csv:2 [code] programme MATERNITY would have no line of programme-sources.csv naming it (a new programme comes with its lines in data/, by a reseed)',
      "new.csv:3 [position] position 1 would be programmes URGENT_AND_EMERGENCY_CARE and MENTAL_HEALTH's; each programme has a place of its own",
    ]);
    expect(await releaseCount()).toBe(releases);
  });
});

describe('npm run load -- programmes programme_source', () => {
  it('adds a line naming a programme, answered through the gateway and cited; a delete and reverts', async () => {
    const seeded = await mentalHealth();
    const path = files.csv(
      'line.csv',
      SOURCE_HEADER,
      `MENTAL_HEALTH,3,${LETTER},19,taken first steps to strengthen GP services and mental health`,
    );
    const loaded = await loadFile(programmes.db, programmeSourceLoadable, path, { actor: 'test' });
    expect(loaded).toMatchObject({ inserted: 1 });
    expect((await mentalHealth()).sources.at(-1)).toEqual({
      line: 19,
      text: 'taken first steps to strengthen GP services and mental health',
    });
    expect((await releaseChanges(programmes.db, loaded.release ?? 0))[0]?.source).toEqual({
      file: displayPath(path),
      line: 2,
      document: LETTER,
      documentLine: 19,
    });
    const deleted = await loadFile(programmes.db, programmeSourceLoadable, path, { mode: 'delete', actor: 'test' });
    expect(deleted).toMatchObject({ deleted: 1 });
    expect(await mentalHealth()).toEqual(seeded);
    await revertRelease(programmes.db, deleted.release ?? 0, { actor: 'test' });
    await revertRelease(programmes.db, loaded.release ?? 0, { actor: 'test' });
    expect(await mentalHealth()).toEqual(seeded);
  });

  it('refuses a line for a programme it lacks, or removing a programme’s last line; nothing is written', async () => {
    const releases = await releaseCount();
    expect(
      await problemsOf(
        loadFile(
          programmes.db,
          programmeSourceLoadable,
          files.csv('nowhere.csv', SOURCE_HEADER, `MATERNITY,1,${LETTER},19,mental health`),
        ),
      ),
    ).toEqual(['nowhere.csv:2 [programme_code] no programme MATERNITY (programmes.csv or its loads)']);
    expect(
      await problemsOf(
        loadFile(
          programmes.db,
          programmeSourceLoadable,
          files.csv('last.csv', SOURCE_HEADER, sourceLine('MENTAL_HEALTH', 1), sourceLine('MENTAL_HEALTH', 2)),
          { mode: 'delete' },
        ),
      ),
    ).toEqual([
      'last.csv:2 [programme_code] programme MENTAL_HEALTH would have no line of programme-sources.csv naming it',
    ]);
    expect(await releaseCount()).toBe(releases);
  });
});

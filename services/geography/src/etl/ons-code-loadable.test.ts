import { displayPath, listReleases, loadFile, releaseChanges, revertRelease } from '@nhs-hub/kit/subgraph';
import { subgraphHarness } from '@nhs-hub/gateway/testing';
import { loadFiles, refusedProblems as problemsOf } from '@nhs-hub/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph } from '../index.js';
import { onsCodeLoadable } from './loadables.js';

const geo = subgraphHarness(subgraph, { gateway: {} });
const files = loadFiles('geography-ons-codes-');
beforeAll(geo.start);
afterAll(async () => {
  await geo.close();
  files.remove();
});

const README = 'reference/README.md';
const HEADER = 'ons_code,stp_code,valid_from_stated,valid_to_stated,note,source_document,source_line,source_text';
const file = (name: string, ...rows: string[]) => files.csv(name, HEADER, ...rows);
const RECODE_NOTE = 'ONS re-code from 2020; the ODS code stayed';

const releaseCount = async () => (await listReleases(geo.db)).length;
/** The STP an ODS or ONS code finds through the gateway, or null (NOT_FOUND). */
const stpOf = async (code: string) =>
  (await geo.query<{ stp: { code: string } | null }>('query ($code: ID!) { stp(code: $code) { code } }', { code })).body
    .data?.stp?.code ?? null;

describe('npm run load -- geography stp_ons_code', () => {
  it('loads a code for another STP: a lookup by it finds that STP through the gateway, recorded with file:line and the cited line; a revert undoes it', async () => {
    // QHM's 2020 re-code given to Lincolnshire, misread from the reference README's line 14.
    const path = file('recode.csv', `E54000050,QJM,2020,,${RECODE_NOTE},${README},14,E54000050`);
    expect(await stpOf('E54000050')).toBe('QHM');
    const loaded = await loadFile(geo.db, onsCodeLoadable, path, { actor: 'test' });
    expect(loaded).toMatchObject({ rows: 1, inserted: 0, updated: 1 });
    expect(await stpOf('E54000050')).toBe('QJM');
    const { stp } = await geo.ask<{ stp: { onsCodes: { code: string; source: { line: number; text: string } }[] } }>(
      '{ stp(code: "QJM") { onsCodes { code source { line text } } } }',
    );
    expect(stp.onsCodes).toContainEqual({ code: 'E54000050', source: { line: 14, text: 'E54000050' } });
    const changes = await releaseChanges(geo.db, loaded.release ?? 0);
    expect(changes.map((c) => [c.op, c.key, c.before?.stp_code, c.after?.stp_code, c.source, c.entity])).toEqual([
      [
        'update',
        { ons_code: 'E54000050' },
        'QHM',
        'QJM',
        { file: displayPath(path), line: 2, document: README, documentLine: 14 },
        { type: 'Stp', code: 'QJM' },
      ],
    ]);
    await revertRelease(geo.db, loaded.release ?? 0, { actor: 'test' });
    expect(await stpOf('E54000050')).toBe('QHM');
  });

  it('deletes a code, and a revert puts it back', async () => {
    // Northumberland Tyne and Wear's 2016 footprint, known under its successor QVP.
    expect(await stpOf('E54000001')).toBe('QVP');
    const deleted = await loadFile(geo.db, onsCodeLoadable, files.csv('gone.csv', 'ons_code', 'E54000001'), {
      mode: 'delete',
      actor: 'test',
    });
    expect(deleted).toMatchObject({ deleted: 1 });
    expect(await stpOf('E54000001')).toBeNull();
    await revertRelease(geo.db, deleted.release ?? 0, { actor: 'test' });
    expect(await stpOf('E54000001')).toBe('QVP');
  });

  it("refuses to delete an STP's own ONS code or give it to another STP, in plain words; nothing is written", async () => {
    const releases = await releaseCount();
    expect(
      await problemsOf(
        loadFile(geo.db, onsCodeLoadable, files.csv('own.csv', 'ons_code', 'E54000013'), { mode: 'delete' }),
      ),
    ).toEqual([
      "own.csv:2 [ons_code] E54000013 is STP QJM (Lincolnshire)'s own ONS code (the code it is known by since April 2019, or its last): it must stay one of its codes",
    ]);
    const moved = file(
      'moved.csv',
      `E54000013,QUE,,,ONS code of April 2019,reference/stps-2019.csv,12,"E54000013,QJM,Lincolnshire"`,
    );
    expect(await problemsOf(loadFile(geo.db, onsCodeLoadable, moved))).toEqual([
      "moved.csv:2 [stp_code] E54000013 is STP QJM (Lincolnshire)'s own ONS code: it cannot name STP QUE",
    ]);
    expect(await releaseCount()).toBe(releases);
    expect(await stpOf('E54000013')).toBe('QJM');
  });

  it('refuses bad rows with file:line, column and plain words', async () => {
    const releases = await releaseCount();
    const path = file(
      'bad.csv',
      `E54000050,QHM,2020,,,${README},14,QHM E54000050`,
      `E5400005,QHM,2020,,${RECODE_NOTE},${README},14,QHM E54000050`,
      `E54000050,QZZ,2020,,${RECODE_NOTE},${README},14,QHM E54000050`,
      `E54000051,QOQ,spring 2020,,${RECODE_NOTE},${README},14,QOQ E54000051`,
      `E54000052,QXU,2020,,${RECODE_NOTE},${README},15,QXU E54000052`,
    );
    expect(await problemsOf(loadFile(geo.db, onsCodeLoadable, path))).toEqual([
      'bad.csv:2 [note] column note is required',
      'bad.csv:3 [ons_code] expected an STP ONS code such as E54000013',
      'bad.csv:4 [stp_code] stp_code QZZ is not in the stp list geography publishes (schema/reference-lists.json)',
      'bad.csv:5 [valid_from_stated] expected YYYY, YYYY-MM or YYYY-MM-DD',
      expect.stringMatching(
        /^bad\.csv:6 \[source_text\] citation does not hold: reference\/README\.md:15 does not contain "QXU E54000052"/,
      ),
    ]);
    expect(await releaseCount()).toBe(releases);
  });
});

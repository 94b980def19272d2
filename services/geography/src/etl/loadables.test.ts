import { readFileSync } from 'node:fs';
import { displayPath, loadFile, revertRelease } from '@nhs-hub/kit/subgraph';
import { subgraphHarness } from '@nhs-hub/gateway/testing';
import { loadFiles } from '@nhs-hub/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph } from '../index.js';
import { GEOGRAPHY_DATA_DIR } from './files.js';
import { icsDesignationLoadable, populationLoadable } from './loadables.js';

const geo = subgraphHarness(subgraph);
const files = loadFiles('geography-loads-');
beforeAll(geo.start);
afterAll(async () => {
  await geo.close();
  files.remove();
});

const TRACKER = 'seeds/002_5ca6f18803646174.txt';
const file = files.write;

interface Change {
  release: number;
  kind: string;
  at?: string;
  value: string | null;
  source: { file: string; line: number; document: string | null; documentLine: number | null } | null;
}
const entries = (history: readonly Change[]) =>
  history.map(({ release, kind, value, source }) => ({ release, kind, value, source }));

describe('history of populations (stp.population), from the change records', () => {
  // Dorset's population misread from Buckinghamshire, Oxfordshire and Berkshire West's line, then
  // corrected from Dorset's own: both figures are the tracker's.
  const misread = file('population-misread.csv', 'code,population_line,population_text\nQVV,207,Population: 1.7 M\n');
  const corrected = file(
    'population-corrected.csv',
    'code,population_line,population_text\nQVV,237,"Population: 800,000"\n',
  );

  it('gives the seed value, then each load with its release and file:line, then a revert', async () => {
    const first = await loadFile(geo.db, populationLoadable, misread, { actor: 'test' });
    const second = await loadFile(geo.db, populationLoadable, corrected, { actor: 'test' });
    const { stp } = await geo.ask<{ stp: { population: number; populationHistory: Change[] } }>(
      '{ stp(code: "QVV") { population populationHistory { release kind at value source { file line document documentLine } } } }',
    );
    expect(stp.population).toBe(800_000);
    expect(entries(stp.populationHistory)).toEqual([
      {
        release: 1,
        kind: 'seed',
        value: '800000',
        source: { file: 'services/geography/data/', line: 0, document: null, documentLine: null },
      },
      {
        release: first.release,
        kind: 'load',
        value: '1700000',
        source: { file: displayPath(misread), line: 2, document: TRACKER, documentLine: 207 },
      },
      {
        release: second.release,
        kind: 'load',
        value: '800000',
        source: { file: displayPath(corrected), line: 2, document: TRACKER, documentLine: 237 },
      },
    ]);
    expect(stp.populationHistory.every((h) => !Number.isNaN(Date.parse(h.at ?? '')))).toBe(true);

    const reverted = await revertRelease(geo.db, second.release ?? 0, { actor: 'test' });
    const after = await geo.ask<{ stp: { population: number; populationHistory: Change[] } }>(
      '{ stp(code: "QVV") { population populationHistory { release kind value source { line } } } }',
    );
    expect(after.stp.population).toBe(1_700_000);
    expect(entries(after.stp.populationHistory).at(-1)).toEqual({
      release: reverted.release,
      kind: 'revert',
      value: '1700000',
      source: null,
    });
    await revertRelease(geo.db, first.release ?? 0, { actor: 'test' });
  });
});

describe('history of ICS status (ics_designation.wave)', () => {
  const header = 'stp_ods_code,ics_name,list_line,list_text,wave,wave_line,wave_text,covers_whole_stp';
  // Gloucestershire's wave misread from the first-wave heading, then corrected from line 1637.
  const misread = file(
    'ics-misread.csv',
    `${header}\nQR1,Gloucestershire,189,Gloucestershire,FIRST_WAVE,199,First-wave ICSs,true\n`,
  );
  const corrected = file(
    'ics-corrected.csv',
    `${header}\nQR1,Gloucestershire,189,Gloucestershire,SECOND_WAVE,1637,Gloucestershire appointed as a second-wave ICS.,true\n`,
  );

  it('gives each wave an ICS has had, and the STP status follows the loaded wave', async () => {
    const first = await loadFile(geo.db, icsDesignationLoadable, misread, { actor: 'test' });
    const status = async () =>
      (
        await geo.ask<{ stp: { icsStatus: string; integratedCareSystems: { name: string; waveHistory: Change[] }[] } }>(
          '{ stp(code: "QR1") { icsStatus integratedCareSystems { name waveHistory { release kind value source { file line document documentLine } } } } }',
        )
      ).stp;
    expect((await status()).icsStatus).toBe('FIRST_WAVE');
    const second = await loadFile(geo.db, icsDesignationLoadable, corrected, { actor: 'test' });
    const now = await status();
    expect(now.icsStatus).toBe('SECOND_WAVE');
    expect(now.integratedCareSystems.map((i) => [i.name, entries(i.waveHistory)])).toEqual([
      [
        'Gloucestershire',
        [
          {
            release: 1,
            kind: 'seed',
            value: 'SECOND_WAVE',
            source: { file: 'services/geography/data/', line: 0, document: null, documentLine: null },
          },
          {
            release: first.release,
            kind: 'load',
            value: 'FIRST_WAVE',
            source: { file: displayPath(misread), line: 2, document: TRACKER, documentLine: 199 },
          },
          {
            // Cited by the line that states the wave, not the list line naming the ICS (189).
            release: second.release,
            kind: 'load',
            value: 'SECOND_WAVE',
            source: { file: displayPath(corrected), line: 2, document: TRACKER, documentLine: 1637 },
          },
        ],
      ],
    ]);
  });

  it('answers every STP’s population and ICS histories in a constant number of statements', async () => {
    const count = async (first: number) => {
      geo.resetCounters();
      await geo.ask(
        `{ stps(first: ${first}) { nodes { code populationHistory { value } integratedCareSystems { waveHistory { value } } } } }`,
      );
      return geo.statements();
    };
    // The first twenty include STPs with an ICS, so both histories are read in each.
    const some = await count(20);
    expect(await count(200)).toBe(some);
  });
});

describe('plain words for a missing cell', () => {
  it('says an empty wave or wave_line is required, not "Invalid option" or "Too small"', async () => {
    const header = 'stp_ods_code,ics_name,list_line,list_text,wave,wave_line,wave_text,covers_whole_stp';
    const path = file('ics-empty.csv', `${header}\nQR1,Gloucestershire,189,Gloucestershire,,,First-wave ICSs,true\n`);
    const message = await loadFile(geo.db, icsDesignationLoadable, path).catch((e: unknown) => (e as Error).message);
    expect(message).toContain(`${displayPath(path)}:2 [wave]: column wave is required`);
    expect(message).toContain(`${displayPath(path)}:2 [wave_line]: column wave_line is required`);
    expect(message).not.toMatch(/Invalid option|Too small/);
  });
});

describe('a --delete file in the data file’s own format', () => {
  it('reads an ICS’s key from a copy of its ics-designations.csv line (stp_ods_code is the table’s stp_code), and a revert puts it back', async () => {
    const header = 'stp_ods_code,ics_name,list_line,list_text,wave,wave_line,wave_text,covers_whole_stp';
    const [line = ''] = readFileSync(`${GEOGRAPHY_DATA_DIR}ics-designations.csv`, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('QR1,'));
    const path = file('ics-gone.csv', `${header}\n${line}\n`);
    const icsOf = async () =>
      (
        await geo.ask<{ stp: { icsStatus: string; integratedCareSystems: { name: string }[] } }>(
          '{ stp(code: "QR1") { icsStatus integratedCareSystems { name } } }',
        )
      ).stp;
    const deleted = await loadFile(geo.db, icsDesignationLoadable, path, { mode: 'delete', actor: 'test' });
    expect(deleted).toMatchObject({ rows: 1, deleted: 1 });
    expect(await icsOf()).toEqual({ icsStatus: 'NONE', integratedCareSystems: [] });
    await revertRelease(geo.db, deleted.release ?? 0, { actor: 'test' });
    expect(await icsOf()).toEqual({ icsStatus: 'SECOND_WAVE', integratedCareSystems: [{ name: 'Gloucestershire' }] });
  });
});

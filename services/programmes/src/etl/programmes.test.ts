import { type DataProblem, located } from '@nhs-hub/kit/subgraph';
import { describe, expect, it } from 'vitest';
import { BOARD_PAPER, PLANNING_LETTER } from './sources.js';
import { editedCopy } from './edited-copy.js';
import { PROGRAMMES_DATA_DIR } from './files.js';
import { readProgrammeSources } from './programme-sources.js';
import { readProgrammes } from './programmes.js';

describe('programmes.csv and programme-sources.csv', () => {
  it('lists the ten national programmes, each with the lines that name it', () => {
    const problems: DataProblem[] = [];
    const programmes = readProgrammes(PROGRAMMES_DATA_DIR, problems);
    const sources = readProgrammeSources(PROGRAMMES_DATA_DIR, programmes, problems);
    expect(problems).toEqual([]);
    expect(programmes.programmes.map((p) => p.code)).toHaveLength(10);
    expect(programmes.programmes[0]).toMatchObject({
      code: 'URGENT_AND_EMERGENCY_CARE',
      position: 1,
      name: 'Urgent and emergency care',
    });
    expect(programmes.lineOf.get('MENTAL_HEALTH')).toBe(3);
    expect(sources).toHaveLength(18);
    expect(
      sources
        .filter((s) => s.programme_code === 'URGENT_AND_EMERGENCY_CARE')
        .map((s) => [s.source_document, s.source_line]),
    ).toEqual([
      [PLANNING_LETTER, 27],
      [BOARD_PAPER, 41],
    ]);
  });

  it('refuses a programme without a source, and a programme a rule names but the file lacks', () => {
    const dir = editedCopy('programme-sources.csv', (csv) =>
      csv
        .split('\n')
        .filter((l) => !l.startsWith('MENTAL_HEALTH,'))
        .join('\n'),
    );
    const problems: DataProblem[] = [];
    readProgrammeSources(dir, readProgrammes(dir, problems), problems);
    expect(problems.map(located)).toEqual(['programmes.csv:3 programme MENTAL_HEALTH has no source']);
    const without = editedCopy('programmes.csv', (csv) =>
      csv
        .split('\n')
        .filter((l) => !l.startsWith('MENTAL_HEALTH,'))
        .join('\n'),
    );
    const local: DataProblem[] = [];
    readProgrammes(without, local);
    expect(local.map(located)).toContain(
      'programmes.csv:1 a rule names programme MENTAL_HEALTH, which the file does not list',
    );
  });
});

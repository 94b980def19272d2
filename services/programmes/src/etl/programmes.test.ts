import { type DataProblem, located } from '@nhs-hub/kit/subgraph';
import { editedCopy } from '@nhs-hub/kit/testing';
import { describe, expect, it } from 'vitest';
import { PROGRAMMES_DATA_DIR } from './files.js';
import { readProgrammes } from './programmes.js';

describe('programmes.csv', () => {
  it('lists the ten national programmes in order', () => {
    const problems: DataProblem[] = [];
    const programmes = readProgrammes(PROGRAMMES_DATA_DIR, problems);
    expect(problems).toEqual([]);
    expect(programmes.programmes.map((p) => p.code)).toHaveLength(10);
    expect(programmes.programmes[0]).toMatchObject({
      code: 'URGENT_AND_EMERGENCY_CARE',
      position: 1,
      name: 'Urgent and emergency care',
    });
    expect(programmes.lineOf.get('MENTAL_HEALTH')).toBe(3);
  });

  it('refuses a file that lacks a programme a rule names', () => {
    const without = editedCopy(PROGRAMMES_DATA_DIR, {
      'programmes.csv': (csv) =>
        csv
          .split('\n')
          .filter((l) => !l.startsWith('MENTAL_HEALTH,'))
          .join('\n'),
    });
    const local: DataProblem[] = [];
    readProgrammes(without, local);
    expect(local.map(located)).toContain(
      'programmes.csv:1 a rule names programme MENTAL_HEALTH, which the file does not list',
    );
  });
});

import { type DataProblem, located, sourceLine } from '@nhs-hub/kit/subgraph';
import { editedCopy } from '@nhs-hub/kit/testing';
import { describe, expect, it } from 'vitest';
import { PROGRAMMES_DATA_DIR } from './files.js';
import { readProgrammeSources } from './programme-sources.js';
import { readProgrammes } from './programmes.js';
import { BOARD_PAPER, PLANNING_LETTER } from './sources.js';

describe('programme-sources.csv', () => {
  it('keeps the lines naming each programme, verbatim, every programme with at least one', () => {
    const problems: DataProblem[] = [];
    const sources = readProgrammeSources(PROGRAMMES_DATA_DIR, readProgrammes(PROGRAMMES_DATA_DIR, problems), problems);
    expect(problems).toEqual([]);
    expect(sources).toHaveLength(18);
    // data lines 2-3: urgent and emergency care in the planning letter and the board paper
    expect(sources.filter((s) => s.programme_code === 'URGENT_AND_EMERGENCY_CARE')).toEqual([
      {
        programme_code: 'URGENT_AND_EMERGENCY_CARE',
        position: 1,
        source_document: PLANNING_LETTER,
        source_line: 27,
        source_text: 'developing more integrated urgent care services',
      },
      {
        programme_code: 'URGENT_AND_EMERGENCY_CARE',
        position: 2,
        source_document: BOARD_PAPER,
        source_line: 41,
        source_text:
          'a combined programme of work to transform urgent and emergency care and improve A&E performance and winter planning',
      },
    ]);
    expect(sourceLine(PLANNING_LETTER, 27)).toContain('developing more integrated urgent care services');
  });

  it('refuses a programme without a source, one the file does not list, and a line that does not carry the text', () => {
    const dir = editedCopy(PROGRAMMES_DATA_DIR, {
      'programme-sources.csv': (csv) =>
        csv
          .split('\n')
          .filter((l) => !l.startsWith('MENTAL_HEALTH,'))
          .join('\n')
          .replace(
            'URGENT_AND_EMERGENCY_CARE,1,seeds/004_76447a4d1bef46a3.txt,27,',
            'URGENT_AND_EMERGENCY_CARE,1,seeds/004_76447a4d1bef46a3.txt,28,',
          )
          .replace('URGENT_AND_EMERGENCY_CARE,2,', 'URGENT_CARE,2,'),
    });
    const problems: DataProblem[] = [];
    readProgrammeSources(dir, readProgrammes(dir, problems), problems);
    expect(problems.map(located)).toEqual([
      'programme-sources.csv:3 [programme_code] unknown programme URGENT_CARE',
      expect.stringMatching(
        /^programme-sources\.csv:2 \[text\] citation does not hold: seeds\/004_76447a4d1bef46a3\.txt:28 does not contain "developing more integrated urgent care services"/,
      ),
      'programmes.csv:3 programme MENTAL_HEALTH has no source',
    ]);
  });
});

import { type DataProblem, located, sourceLine } from '@nhs-hub/kit/subgraph';
import { editedCopy } from '@nhs-hub/kit/testing';
import { describe, expect, it } from 'vitest';
import { PROGRAMMES_DATA_DIR } from './files.js';
import { readSections } from './sections.js';
import { TRACKER } from './sources.js';

describe('tracker-stps.csv', () => {
  it("finds each STP's lines in the tracker: from its heading to the next STP's", () => {
    const problems: DataProblem[] = [];
    const sections = readSections(PROGRAMMES_DATA_DIR, problems);
    expect(problems).toEqual([]);
    expect(sections.headings).toHaveLength(44);
    // data line 19: Lincolnshire's heading on tracker line 817; Leicester's (line 20) on 847
    expect(sections.headings.find((h) => h.ods_code === 'QJM')).toEqual({
      ods_code: 'QJM',
      tracker_name: 'Lincolnshire',
      heading_line: 817,
      heading_text: 'LINCOLNSHIRE',
    });
    expect(sourceLine(TRACKER, 817)).toBe('LINCOLNSHIRE');
    expect(sections.rangeOf.get('QJM')).toEqual({ from: 817, to: 846 });
    // in line order, so the first section is the tracker's first heading
    expect(sections.headings[0]).toMatchObject({ ods_code: 'QU9', heading_line: 205 });
  });

  it('refuses a heading off its line, and an STP listed twice', () => {
    const problems: DataProblem[] = [];
    readSections(
      editedCopy(PROGRAMMES_DATA_DIR, {
        'tracker-stps.csv': (csv) =>
          csv.replace('QJM,Lincolnshire,817,', 'QJM,Lincolnshire,818,').replace('QK1,', 'QJM,'),
      }),
      problems,
    );
    expect(problems.map(located)).toEqual([
      'tracker-stps.csv:19 [heading_text] citation does not hold: seeds/002_5ca6f18803646174.txt:818 does not contain "LINCOLNSHIRE" (it reads "")',
      'tracker-stps.csv:20 [ods_code] duplicates line 19 (QJM)',
    ]);
  });
});

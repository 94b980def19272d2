import type { DataProblem } from '@nhs-hub/kit/subgraph';
import { editedCopy } from '@nhs-hub/kit/testing';
import { describe, expect, it } from 'vitest';
import { FINANCE_DATA_DIR } from './files.js';
import { readSections } from './sections.js';

describe('tracker-sections.csv', () => {
  it('reads the 44 sections with their headings and financial blocks', () => {
    const problems: DataProblem[] = [];
    const sections = readSections(FINANCE_DATA_DIR, problems);
    expect(problems).toEqual([]);
    expect(sections.size).toBe(44);
    // Lincolnshire: heading at 817, "Financial gap by 2020/21" at 839, up to the next heading (847, Leicester)
    expect(sections.get('QJM')).toEqual({
      name: 'Lincolnshire',
      heading: 817,
      headingText: 'LINCOLNSHIRE',
      gapLine: 839,
      end: 846,
    });
    expect(sections.get('QF7')).toMatchObject({ name: 'South Yorkshire and Bassetlaw', heading: 506 });
  });

  it('names file:line for a heading not on its line and for a section listed twice', () => {
    const dir = editedCopy(FINANCE_DATA_DIR, {
      'tracker-sections.csv': (csv) =>
        `${csv.replace('QF7,South Yorkshire and Bassetlaw,506,', 'QF7,South Yorkshire and Bassetlaw,507,')}QJM,Lincolnshire,817,LINCOLNSHIRE\n`,
    });
    const problems: DataProblem[] = [];
    readSections(dir, problems);
    expect(problems.map((p) => `${p.file.replace(/.*\//, '')}:${p.line} [${p.column ?? ''}] ${p.reason}`)).toEqual([
      expect.stringMatching(/^tracker-sections\.csv:10 \[heading_text\] citation does not hold/),
      // the first of two sections at one heading ends before it starts
      'tracker-sections.csv:19 [] no "Financial gap by 2020/21" line between lines 817 and 816',
      'tracker-sections.csv:46 [stp_code] QJM appears twice',
    ]);
  });
});

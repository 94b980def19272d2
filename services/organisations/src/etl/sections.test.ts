import { type DataProblem, located } from '@nhs-hub/kit/subgraph';
import { editedCopy } from '@nhs-hub/kit/testing';
import { describe, expect, it } from 'vitest';
import { DataFolder, ORGANISATIONS_DATA_DIR } from './files.js';
import { readSections } from './sections.js';

describe('tracker-sections.csv', () => {
  it('finds the section each tracker line falls in', () => {
    const problems: DataProblem[] = [];
    const sections = readSections(new DataFolder(), problems);
    expect(problems).toEqual([]);
    expect(sections.headings).toHaveLength(44);
    // Allan Kitt's lead line (822) lies in Lincolnshire's section, which starts at 817
    expect(sections.sectionOf(822)).toEqual({
      stp_code: 'QJM',
      tracker_name: 'Lincolnshire',
      heading_line: 817,
      heading_text: 'LINCOLNSHIRE',
    });
    expect(sections.sectionOf(816)?.stp_code).not.toBe('QJM');
    expect(sections.sectionOf(1)).toBeNull();
  });

  it('refuses a section listed twice', () => {
    const problems: DataProblem[] = [];
    readSections(
      new DataFolder(
        editedCopy(ORGANISATIONS_DATA_DIR, {
          'tracker-sections.csv': (csv) => `${csv}QJM,Lincolnshire,817,LINCOLNSHIRE\n`,
        }),
      ),
      problems,
    );
    expect(problems.map(located)).toEqual(['tracker-sections.csv:46 [stp_code] duplicates line 19 (QJM)']);
  });
});

import { type DataProblem, located } from '@nhs-hub/kit/subgraph';
import { editedCopy } from '@nhs-hub/kit/testing';
import { describe, expect, it } from 'vitest';
import { BOARD_PAPER } from './sources.js';
import { DataFolder, ORGANISATIONS_DATA_DIR } from './files.js';
import { readRegionLeadership } from './region-leadership.js';

describe('region-leadership.csv', () => {
  it("keeps what the seeds say about each region's leadership, in order, cited", () => {
    const problems: DataProblem[] = [];
    const notes = readRegionLeadership(new DataFolder(), problems);
    expect(problems).toEqual([]);
    expect(notes).toHaveLength(33);
    expect(notes[1]).toEqual({
      region_code: 'Y54',
      position: 2,
      note: 'The board paper (29 March 2018) counts eight Regional Directors overseeing STPs on behalf of both organisations from March 2017; it does not name them.',
      source_document: BOARD_PAPER,
      source_line: 41,
      source_text:
        'with the eight Regional Directors each overseeing system performance for a set of STPs on behalf of both organisations',
    });
  });

  it('refuses a region the region list does not have', () => {
    const problems: DataProblem[] = [];
    readRegionLeadership(
      new DataFolder(
        editedCopy(ORGANISATIONS_DATA_DIR, { 'region-leadership.csv': (csv) => csv.replace('Y54,1,', 'Y99,1,') }),
      ),
      problems,
    );
    expect(problems.map(located)).toEqual([
      'region-leadership.csv:2 [region_code] Y99 is not in reference/nhs-england-regions.csv',
    ]);
  });
});

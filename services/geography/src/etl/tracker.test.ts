import type { DataProblem } from '@nhs-hub/kit/subgraph';
import { editedCopy } from '@nhs-hub/kit/testing';
import { describe, expect, it } from 'vitest';
import { GEOGRAPHY_DATA_DIR } from './files.js';
import { readTrackerStps, trackerFields } from './tracker.js';

describe('data/tracker-stps.csv', () => {
  it("reads the tracker's 44 STPs; Lincolnshire's population is the 700K of line 819", () => {
    const problems: DataProblem[] = [];
    const tracker = readTrackerStps(GEOGRAPHY_DATA_DIR, problems);
    expect(problems).toEqual([]);
    expect(tracker.size).toBe(44);
    expect(tracker.get('QJM')?.line).toBe(19);
    expect(trackerFields(tracker, 'QJM')).toEqual({
      name: 'Lincolnshire',
      tracker_heading_line: 817,
      tracker_heading_text: 'LINCOLNSHIRE',
      tracker_match_note: tracker.get('QJM')?.value.match_note,
      population: 700_000,
      population_line: 819,
      population_text: 'Population: 700K',
    });
    // an STP the tracker does not cover gets no tracker columns
    expect(trackerFields(tracker, 'QHM')).toMatchObject({
      name: undefined,
      population: null,
      tracker_heading_line: null,
    });
  });

  it('names file:line for a population that is not on its line and a name that is not its heading', () => {
    const dir = editedCopy(GEOGRAPHY_DATA_DIR, {
      'tracker-stps.csv': (csv) =>
        csv.replace('Population: 700K', 'Population: 750K').replace('QJM,Lincolnshire,', 'QJM,Lincs,'),
    });
    const problems: DataProblem[] = [];
    readTrackerStps(dir, problems);
    expect(problems.map((p) => `${p.line} [${p.column}] ${p.reason}`)).toEqual([
      "19 [tracker_name] 'Lincs' is not the heading 'LINCOLNSHIRE' re-cased",
      '19 [population_text] citation does not hold: seeds/002_5ca6f18803646174.txt:819 does not contain "Population: 750K" (it reads "Population: 700K")',
    ]);
  });
});

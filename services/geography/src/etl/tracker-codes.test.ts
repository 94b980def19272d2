import { type DataProblem, located } from '@nhs-hub/kit/subgraph';
import { editedCopy } from '@nhs-hub/kit/testing';
import { describe, expect, it } from 'vitest';
import { DATA_FILES, GEOGRAPHY_DATA_DIR } from './files.js';
import { applyCodeHistory } from './history.js';
import { readRegions } from './regions.js';
import { readStps2019 } from './stps-2019.js';
import { readTrackerStps } from './tracker.js';
import { checkTrackerCodes } from './tracker-codes.js';

/** The official STPs: the April 2019 list and the code history, as the real sources give them. */
function officialStps() {
  const problems: DataProblem[] = [];
  const tracker = readTrackerStps(GEOGRAPHY_DATA_DIR, problems);
  const rows = readStps2019(tracker, new Set(readRegions(problems).map((r) => r.code)), problems);
  applyCodeHistory(rows, tracker, problems);
  expect(problems).toEqual([]);
  return rows.stps;
}

describe("the tracker's ODS codes against the official lists", () => {
  it('finds every one of the 44 in a list, the three closed before April 2019 through the code history', () => {
    const problems: DataProblem[] = [];
    const tracker = readTrackerStps(GEOGRAPHY_DATA_DIR, problems);
    const stps = officialStps();
    checkTrackerCodes(GEOGRAPHY_DATA_DIR, tracker, stps, problems);
    expect(problems).toEqual([]);
    // QMK, QVP and QT8 are not in the April 2019 list: only the history gives them
    expect([...tracker.keys()].filter((c) => stps.find((s) => s.code === c)?.successor_code).sort()).toEqual([
      'QMK',
      'QT8',
      'QVP',
    ]);
  });

  it('names the data file line of a code no list gives', () => {
    // Lincolnshire, line 19 of the file, matched to a code no list has
    const dir = editedCopy(GEOGRAPHY_DATA_DIR, {
      [DATA_FILES.trackerStps]: (csv) => csv.replace('QJM,Lincolnshire,817,', 'QZZ,Lincolnshire,817,'),
    });
    const problems: DataProblem[] = [];
    const tracker = readTrackerStps(dir, problems);
    checkTrackerCodes(dir, tracker, officialStps(), problems);
    expect(problems.map(located)).toEqual(['tracker-stps.csv:19 [ods_code] QZZ is in no official code list']);
  });
});

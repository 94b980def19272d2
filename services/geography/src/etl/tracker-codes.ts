import type { DataProblem } from '@nhs-hub/kit/subgraph';
import type { NewStp } from '../db/types.js';
import { DATA_FILES } from './files.js';
import type { TrackerStps } from './tracker.js';

/**
 * data/tracker-stps.csv against the official lists: every ODS code the tracker's STPs are matched
 * to must be an STP of the April 2019 list or of the code history. A code no list gives (a typing
 * slip, or a guess) would otherwise put tracker figures on an STP that never existed.
 */
export function checkTrackerCodes(
  dataDir: string,
  tracker: TrackerStps,
  stps: readonly Pick<NewStp, 'code'>[],
  problems: DataProblem[],
): void {
  const official = new Set(stps.map((s) => s.code));
  for (const [code, row] of tracker) {
    if (official.has(code)) continue;
    problems.push({
      file: `${dataDir}${DATA_FILES.trackerStps}`,
      line: row.line,
      column: 'ods_code',
      reason: `${code} is in no official code list`,
    });
  }
}

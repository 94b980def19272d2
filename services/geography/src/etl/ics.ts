import { citationOf, type DataProblem, readCsv, verifyCitations, lineNumber, stpOdsCode } from '@nhs-hub/kit/subgraph';
import { z } from 'zod';
import type { NewIcsDesignation } from '../db/types.js';
import { DATA_FILES } from './files.js';
import { TRACKER } from './sources.js';
import type { TrackerStps } from './tracker.js';

export const IcsRow = z.object({
  stp_ods_code: stpOdsCode,
  ics_name: z.string().min(1),
  list_line: lineNumber,
  list_text: z.string().min(1),
  wave: z.enum(['FIRST_WAVE', 'SECOND_WAVE']),
  wave_line: lineNumber,
  wave_text: z.string().min(1),
  covers_whole_stp: z.enum(['true', 'false']).transform((v) => v === 'true'),
});

/**
 * data/ics-designations.csv: the tracker's list of integrated care systems, each in a tracker STP,
 * with the list line and the line stating its wave, both verbatim.
 */
export function readIcsDesignations(
  dataDir: string,
  tracker: TrackerStps,
  problems: DataProblem[],
): NewIcsDesignation[] {
  const path = `${dataDir}${DATA_FILES.icsDesignations}`;
  const rows = readCsv(path, IcsRow, problems);
  for (const { value: i, line: at } of rows) {
    if (!tracker.has(i.stp_ods_code))
      problems.push({
        file: path,
        line: at,
        column: 'stp_ods_code',
        reason: `${i.stp_ods_code} is not an STP of the tracker`,
      });
  }
  verifyCitations(
    path,
    rows.flatMap(({ value: i, line: at }) => [
      { line: at, column: 'list_text', citation: citationOf(i, 'list', TRACKER) },
      { line: at, column: 'wave_text', citation: citationOf(i, 'wave', TRACKER) },
    ]),
    problems,
  );
  return rows.map(({ value: i }) => ({
    stp_code: i.stp_ods_code,
    ics_name: i.ics_name,
    wave: i.wave,
    covers_whole_stp: i.covers_whole_stp,
    list_line: i.list_line,
    list_text: i.list_text,
    wave_line: i.wave_line,
    wave_text: i.wave_text,
  }));
}

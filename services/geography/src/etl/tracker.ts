import {
  type Citation,
  citationOf,
  type DataProblem,
  type DataRow,
  readCsv,
  verifyCitations,
  lineNumber,
  stpOdsCode,
} from '@nhs-hub/kit/subgraph';
import { z } from 'zod';
import type { NewStp } from '../db/types.js';
import { parsePopulation } from './population.js';
import { DATA_FILES } from './files.js';
import { TRACKER } from './sources.js';

const TrackerRow = z.object({
  ods_code: stpOdsCode,
  tracker_name: z.string().min(1),
  heading_line: lineNumber,
  heading_text: z.string().min(1),
  population_line: lineNumber,
  population_text: z.string().min(1),
  match_note: z.string().min(1),
});
export type TrackerStp = z.output<typeof TrackerRow>;

/** The tracker's STPs by ODS code, with the data file's line for problems found later. */
export type TrackerStps = ReadonlyMap<string, DataRow<TrackerStp>>;

/**
 * data/tracker-stps.csv: the tracker's 44 STP sections matched to ODS codes. The heading and the
 * population line must stand verbatim in the tracker, the name must be the heading re-cased, and a
 * population must be readable from its line.
 */
export function readTrackerStps(dataDir: string, problems: DataProblem[]): TrackerStps {
  const path = `${dataDir}${DATA_FILES.trackerStps}`;
  const rows = readCsv(path, TrackerRow, problems);
  const cited: { line: number; column: string; citation: Citation }[] = [];
  for (const { value: t, line: at } of rows) {
    cited.push({
      line: at,
      column: 'heading_text',
      citation: citationOf(t, 'heading', TRACKER),
    });
    cited.push({
      line: at,
      column: 'population_text',
      citation: citationOf(t, 'population', TRACKER),
    });
    if (t.tracker_name.toUpperCase() !== t.heading_text.toUpperCase()) {
      problems.push({
        file: path,
        line: at,
        column: 'tracker_name',
        reason: `'${t.tracker_name}' is not the heading '${t.heading_text}' re-cased`,
      });
    }
    if (parsePopulation(t.population_text) === null) {
      problems.push({
        file: path,
        line: at,
        column: 'population_text',
        reason: `no population can be read from '${t.population_text}'`,
      });
    }
  }
  verifyCitations(path, cited, problems);
  return new Map(rows.map((row) => [row.value.ods_code, row]));
}

/** The columns of an STP row the tracker supplies (all null for an STP the tracker does not cover). */
export function trackerFields(
  tracker: TrackerStps,
  code: string,
): Pick<
  NewStp,
  | 'tracker_heading_line'
  | 'tracker_heading_text'
  | 'tracker_match_note'
  | 'population'
  | 'population_line'
  | 'population_text'
> & { name: string | undefined } {
  const t = tracker.get(code)?.value;
  return {
    name: t?.tracker_name,
    tracker_heading_line: t?.heading_line ?? null,
    tracker_heading_text: t?.heading_text ?? null,
    tracker_match_note: t?.match_note ?? null,
    population: t ? parsePopulation(t.population_text) : null,
    population_line: t?.population_line ?? null,
    population_text: t?.population_text ?? null,
  };
}

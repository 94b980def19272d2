import { type DataProblem, type DataRow, readCsv, stpOdsCode, stpOnsCode } from '@nhs-hub/kit/subgraph';
import { z } from 'zod';
import type { NewStp, NewStpOnsCode, NewStpRegionMembership } from '../db/types.js';
import { odsRegion } from './files.js';
import { reference, STPS_2019_FILE, verbatim } from './sources.js';
import { type TrackerStps, trackerFields } from './tracker.js';

const Stp2019Row = z.object({
  stp_ons: stpOnsCode,
  stp_ods: stpOdsCode,
  stp_name_apr2019: z.string().min(1),
  region_ods: odsRegion,
  region_ons: z.string().regex(/^E40\d{6}$/),
  region_name: z.string().min(1),
  region_ods_2018_19: odsRegion,
});
export type Stp2019 = z.output<typeof Stp2019Row>;

/** What the April 2019 list yields; later steps (history, README rules) add to these arrays. */
export interface StpRows {
  readonly list: readonly DataRow<Stp2019>[];
  readonly stps: NewStp[];
  readonly onsCodes: NewStpOnsCode[];
  readonly memberships: NewStpRegionMembership[];
}

/**
 * reference/stps-2019.csv: every STP of April 2019 with its current ONS code, its official name,
 * and the regions it was in from April 2019 and in 2018/19 (both STATED, citing the list's line).
 */
export function readStps2019(tracker: TrackerStps, regionCodes: ReadonlySet<string>, problems: DataProblem[]): StpRows {
  const list = readCsv(reference(STPS_2019_FILE), Stp2019Row, problems);
  const rows: StpRows = { list, stps: [], onsCodes: [], memberships: [] };
  for (const { value: s, line: at } of list) {
    const text = verbatim(STPS_2019_FILE, at);
    const fields = trackerFields(tracker, s.stp_ods);
    rows.stps.push({
      code: s.stp_ods,
      ons_code: s.stp_ons,
      official_name: s.stp_name_apr2019,
      official_source_document: STPS_2019_FILE,
      official_source_line: at,
      official_source_text: text,
      ...fields,
      name: fields.name ?? s.stp_name_apr2019,
      valid_from: null,
      valid_from_stated: null,
      valid_to: null,
      valid_to_stated: null,
      successor_code: null,
    });
    rows.onsCodes.push({
      ons_code: s.stp_ons,
      stp_code: s.stp_ods,
      valid_from_stated: null,
      valid_to_stated: null,
      note: 'ONS code of April 2019',
      source_document: STPS_2019_FILE,
      source_line: at,
      source_text: text,
    });
    for (const code of [s.region_ods, s.region_ods_2018_19]) {
      if (!regionCodes.has(code)) problems.push({ file: STPS_2019_FILE, line: at, reason: `unknown region ${code}` });
    }
    const stated = { basis: 'STATED' as const, source_document: STPS_2019_FILE, source_line: at, source_text: text };
    rows.memberships.push({
      stp_code: s.stp_ods,
      region_code: s.region_ods,
      valid_from: '2019-04-01',
      valid_to: null,
      explanation: 'Region from April 2019, as the April 2019 list states (region_ods).',
      ...stated,
    });
    rows.memberships.push({
      stp_code: s.stp_ods,
      region_code: s.region_ods_2018_19,
      valid_from: '2018-04-01',
      valid_to: '2019-03-31',
      explanation: 'Region from April 2018 to March 2019, as the April 2019 list states (region_ods_2018_19).',
      ...stated,
    });
  }
  return rows;
}

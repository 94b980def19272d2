import { type DataProblem, STP_ODS_PATTERN, STP_ONS_PATTERN } from '@nhs-hub/kit/subgraph';
import { README_FILE, verbatim } from './sources.js';
import type { StpRows } from './stps-2019.js';

/** Reference README lines this step reads rules from. */
export const README_RECODES_LINE = 14;
export const README_FOUR_REGIONS_LINE = 15;

/** An STP's ODS code and the ONS code it was given, paired "QXX E54000000" as line 14 writes them. */
const RECODE = new RegExp(`\\b(${STP_ODS_PATTERN}) (${STP_ONS_PATTERN})\\b`, 'g');

/**
 * reference/README.md, line 15: before April 2018 there were four regions. Each STP's region then is
 * INFERRED from its 2018/19 one: South West (Y58) and South East (Y59) split out of South of England
 * (Y57); every other region existed unchanged. STPs formed after the split get none.
 */
export function applyFourRegions(rows: StpRows): void {
  const rule = verbatim(README_FILE, README_FOUR_REGIONS_LINE);
  for (const s of rows.list) {
    const stp = rows.stps.find((x) => x.code === s.value.stp_ods);
    if (!stp || (stp.valid_from && stp.valid_from >= '2018-04-01')) continue; // formed after the split
    const south = s.value.region_ods_2018_19 === 'Y58' || s.value.region_ods_2018_19 === 'Y59';
    rows.memberships.push({
      stp_code: s.value.stp_ods,
      region_code: south ? 'Y57' : s.value.region_ods_2018_19,
      valid_from: stp.valid_from ?? null,
      valid_to: '2018-03-31',
      basis: 'INFERRED',
      explanation: south
        ? `Inferred: in ${s.value.region_ods_2018_19} in 2018/19, a region split out of South of England (Y57) in April 2018 (reference README line ${README_FOUR_REGIONS_LINE}).`
        : `Inferred: the reference lists give no region before April 2018; ${s.value.region_ods_2018_19} existed unchanged before and after April 2018 (reference README line ${README_FOUR_REGIONS_LINE}).`,
      source_document: README_FILE,
      source_line: README_FOUR_REGIONS_LINE,
      source_text: rule,
    });
  }
}

/**
 * reference/README.md, line 14: the five STPs ONS re-coded from 2020 (the ODS code stayed), as
 * "QXX E54000000" pairs.
 */
export function applyRecodes(rows: StpRows, problems: DataProblem[]): void {
  const recodes = verbatim(README_FILE, README_RECODES_LINE);
  for (const [, ods, ons] of recodes.matchAll(RECODE)) {
    if (!ods || !ons) continue;
    if (!rows.stps.some((s) => s.code === ods)) {
      problems.push({ file: README_FILE, line: README_RECODES_LINE, reason: `re-code names unknown STP ${ods}` });
      continue;
    }
    rows.onsCodes.push({
      ons_code: ons,
      stp_code: ods,
      valid_from_stated: '2020',
      valid_to_stated: null,
      note: 'ONS re-code from 2020; the ODS code stayed',
      source_document: README_FILE,
      source_line: README_RECODES_LINE,
      source_text: recodes,
    });
  }
}

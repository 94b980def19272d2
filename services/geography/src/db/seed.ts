import { fileURLToPath } from 'node:url';
import {
  type Citation,
  type DataProblem,
  readCsv,
  SOURCES_DIR,
  sourceLine,
  throwIfProblems,
  verifyCitations,
  type SeedReport,
} from '@nhs-hub/kit';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { parsePopulation } from './population.js';
import { replaceAll } from './repository.js';
import type {
  GeographyDatabase,
  NewIcsDesignation,
  NewRegion,
  NewStp,
  NewStpOnsCode,
  NewStpRegionMembership,
} from './types.js';

export const GEOGRAPHY_DATA_DIR = fileURLToPath(new URL('../../data/', import.meta.url));
const REFERENCE = 'reference/';
const TRACKER = 'seeds/002_5ca6f18803646174.txt';
const REGIONS_FILE = `${REFERENCE}nhs-england-regions.csv`;
const STPS_2019_FILE = `${REFERENCE}stps-2019.csv`;
const HISTORY_FILE = `${REFERENCE}stp-code-history.csv`;
const README_FILE = `${REFERENCE}README.md`;
/** Reference README lines this seed reads rules from. */
const README_RECODES_LINE = 14;
const README_FOUR_REGIONS_LINE = 15;

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected an ISO date YYYY-MM-DD');
const partialDate = z.string().regex(/^\d{4}(-\d{2}(-\d{2})?)?$/, 'expected YYYY, YYYY-MM or YYYY-MM-DD');
const odsStp = z.string().regex(/^Q[A-Z0-9]{2}$/, 'expected an STP ODS code such as QJM');
const onsStp = z.string().regex(/^E54\d{6}$/, 'expected an STP ONS code such as E54000013');
const odsRegion = z.string().regex(/^Y\d{2}$/, 'expected a region ODS code such as Y60');
const line = z.coerce.number().int().positive();

const RegionRow = z.object({
  ons_code: z.string().regex(/^E40\d{6}$/),
  ods_code: odsRegion,
  name: z.string().min(1),
  valid_from: isoDate,
  valid_to: z.union([isoDate, z.literal('')]),
  certainty: z.enum(['stated', 'inferred-date']),
  source: z.string().min(1),
});
const Stp2019Row = z.object({
  stp_ons: onsStp,
  stp_ods: odsStp,
  stp_name_apr2019: z.string().min(1),
  region_ods: odsRegion,
  region_ons: z.string().regex(/^E40\d{6}$/),
  region_name: z.string().min(1),
  region_ods_2018_19: odsRegion,
});
const HistoryRow = z.object({
  ons_code: onsStp,
  ods_code: z.union([odsStp, z.literal('')]),
  name: z.string().min(1),
  valid_from: partialDate,
  valid_to: partialDate,
  successor_ons: onsStp,
  note: z.string(),
});
const TrackerRow = z.object({
  ods_code: odsStp,
  tracker_name: z.string().min(1),
  heading_line: line,
  heading_text: z.string().min(1),
  population_line: line,
  population_text: z.string().min(1),
  match_note: z.string().min(1),
});
const IcsRow = z.object({
  stp_ods_code: odsStp,
  ics_name: z.string().min(1),
  list_line: line,
  list_text: z.string().min(1),
  wave: z.enum(['FIRST_WAVE', 'SECOND_WAVE']),
  wave_line: line,
  wave_text: z.string().min(1),
  covers_whole_stp: z.enum(['true', 'false']).transform((v) => v === 'true'),
});

export interface GeographyRows {
  regions: NewRegion[];
  stps: NewStp[];
  onsCodes: NewStpOnsCode[];
  memberships: NewStpRegionMembership[];
  icsDesignations: NewIcsDesignation[];
}

export interface GeographyDataPaths {
  /** Folder holding tracker-stps.csv and ics-designations.csv. */
  dataDir?: string;
}

/** First day of a partial date's period: "2016" is read as from 2016-01-01, "2016-12" from 2016-12-01. */
function lowerBound(stated: string): string {
  return stated.length === 4 ? `${stated}-01-01` : stated.length === 7 ? `${stated}-01` : stated;
}

/** The day before an ISO date (validity ends are inclusive; a merger on D ends the old STP on D-1). */
function dayBefore(iso: string): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

/**
 * Reads and validates every geography source, returning the rows to load. Throws a DataFileError
 * listing every problem (file:line [column]: reason) before anything touches the database.
 */
export function buildGeographyRows(paths: GeographyDataPaths = {}): GeographyRows {
  const dataDir = paths.dataDir ?? GEOGRAPHY_DATA_DIR;
  const problems: DataProblem[] = [];
  const ref = (file: string) => SOURCES_DIR + file;

  const regionRows = readCsv(ref(REGIONS_FILE), RegionRow, problems);
  const stp2019Rows = readCsv(ref(STPS_2019_FILE), Stp2019Row, problems);
  const historyRows = readCsv(ref(HISTORY_FILE), HistoryRow, problems);
  const trackerPath = `${dataDir}tracker-stps.csv`;
  const icsPath = `${dataDir}ics-designations.csv`;
  const trackerRows = readCsv(trackerPath, TrackerRow, problems);
  const icsRows = readCsv(icsPath, IcsRow, problems);
  // Rows that failed their schema are left out below, but checking goes on so that one run
  // reports every problem in every file.

  const verbatim = (file: string, at: number): string => sourceLine(file, at) ?? '';

  const regions: NewRegion[] = regionRows.map(({ value: r, line: at }) => ({
    code: r.ods_code,
    ons_code: r.ons_code,
    name: r.name,
    valid_from: r.valid_from,
    valid_to: r.valid_to || null,
    valid_from_certainty: r.certainty,
    source_line: at,
    source_text: verbatim(REGIONS_FILE, at),
  }));
  const regionCodes = new Set(regions.map((r) => r.code));

  const tracker = new Map(trackerRows.map((row) => [row.value.ods_code, row]));
  const cited: { line: number; column: string; citation: Citation }[] = [];
  for (const { value: t, line: at } of trackerRows) {
    cited.push({ line: at, column: 'heading_text', citation: { document: TRACKER, line: t.heading_line, text: t.heading_text } });
    cited.push({ line: at, column: 'population_text', citation: { document: TRACKER, line: t.population_line, text: t.population_text } });
    if (t.tracker_name.toUpperCase() !== t.heading_text.toUpperCase()) {
      problems.push({ file: trackerPath, line: at, column: 'tracker_name', reason: `'${t.tracker_name}' is not the heading '${t.heading_text}' re-cased` });
    }
    if (parsePopulation(t.population_text) === null) {
      problems.push({ file: trackerPath, line: at, column: 'population_text', reason: `no population can be read from '${t.population_text}'` });
    }
  }
  for (const { value: i, line: at } of icsRows) {
    cited.push({ line: at, column: 'list_text', citation: { document: TRACKER, line: i.list_line, text: i.list_text } });
    cited.push({ line: at, column: 'wave_text', citation: { document: TRACKER, line: i.wave_line, text: i.wave_text } });
    if (!tracker.has(i.stp_ods_code)) {
      problems.push({ file: icsPath, line: at, column: 'stp_ods_code', reason: `${i.stp_ods_code} is not an STP of the tracker` });
    }
  }
  verifyCitations(trackerPath, cited.filter((c) => c.column === 'heading_text' || c.column === 'population_text'), problems);
  verifyCitations(icsPath, cited.filter((c) => c.column === 'list_text' || c.column === 'wave_text'), problems);

  const stps: NewStp[] = [];
  const onsCodes: NewStpOnsCode[] = [];
  const memberships: NewStpRegionMembership[] = [];
  const trackerFields = (code: string) => {
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
  };

  // April 2019 list: current ONS code, official name, stated 2018/19 and 2019 regions.
  const byOns = new Map<string, string>();
  for (const { value: s, line: at } of stp2019Rows) {
    byOns.set(s.stp_ons, s.stp_ods);
    const text = verbatim(STPS_2019_FILE, at);
    const fields = trackerFields(s.stp_ods);
    stps.push({
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
    onsCodes.push({
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
    memberships.push({
      stp_code: s.stp_ods,
      region_code: s.region_ods,
      valid_from: '2019-04-01',
      valid_to: null,
      explanation: 'Region from April 2019, as the April 2019 list states (region_ods).',
      ...stated,
    });
    memberships.push({
      stp_code: s.stp_ods,
      region_code: s.region_ods_2018_19,
      valid_from: '2018-04-01',
      valid_to: '2019-03-31',
      explanation: 'Region from April 2018 to March 2019, as the April 2019 list states (region_ods_2018_19).',
      ...stated,
    });
  }

  // Closures, re-codes and the June 2018 merger into QHM.
  for (const { value: h, line: at } of historyRows) {
    const text = verbatim(HISTORY_FILE, at);
    const successor = byOns.get(h.successor_ons);
    const stpCode = h.ods_code || (historyRows.find((o) => o.value.ons_code === h.successor_ons)?.value.ods_code ?? '');
    if (!stpCode) {
      problems.push({ file: HISTORY_FILE, line: at, reason: `no ODS code for ${h.ons_code} or its successor ${h.successor_ons}` });
      continue;
    }
    onsCodes.push({
      ons_code: h.ons_code,
      stp_code: stpCode,
      valid_from_stated: h.valid_from,
      valid_to_stated: h.valid_to,
      note: h.ods_code ? h.note : `${h.name}: predecessor footprint of ${h.successor_ons} (${h.note})`,
      source_document: HISTORY_FILE,
      source_line: at,
      source_text: text,
    });
    // A row whose successor is a live STP of April 2019 is a closure: the STP itself ends here.
    if (h.ods_code && successor && !stp2019Rows.some((s) => s.value.stp_ods === h.ods_code)) {
      const existing = stps.find((s) => s.code === h.ods_code);
      const earliest = historyRows.filter((o) => o.value.ods_code === h.ods_code).map((o) => o.value.valid_from).sort()[0] ?? h.valid_from;
      const validTo = dayBefore(lowerBound(h.valid_to));
      if (!existing) {
        const fields = trackerFields(h.ods_code);
        stps.push({
          code: h.ods_code,
          ons_code: h.ons_code,
          official_name: h.name,
          official_source_document: HISTORY_FILE,
          official_source_line: at,
          official_source_text: text,
          ...fields,
          name: fields.name ?? h.name,
          valid_from: lowerBound(earliest),
          valid_from_stated: earliest,
          valid_to: validTo,
          valid_to_stated: `${h.valid_to} (${h.note})`,
          successor_code: successor,
        });
      }
      const inferred = {
        basis: 'INFERRED' as const,
        source_document: HISTORY_FILE,
        source_line: at,
        source_text: text,
      };
      memberships.push({
        stp_code: h.ods_code,
        region_code: 'Y54',
        valid_from: '2018-04-01',
        valid_to: validTo,
        explanation: `Not in the April 2019 list; inferred from its successor ${successor}, which was in North of England (Y54) in 2018/19.`,
        ...inferred,
      });
      memberships.push({
        stp_code: h.ods_code,
        region_code: 'Y54',
        valid_from: lowerBound(earliest),
        valid_to: '2018-03-31',
        explanation: `Not in the April 2019 list; inferred from its successor ${successor}, which was in North of England (Y54) in 2018/19, and the North kept its code through April 2018.`,
        ...inferred,
      });
      const successorRow = stps.find((s) => s.code === successor);
      if (successorRow && !successorRow.valid_from) {
        successorRow.valid_from = lowerBound(h.valid_to);
        successorRow.valid_from_stated = `${h.valid_to} (formed by merger: ${HISTORY_FILE} line ${at})`;
      }
    }
  }

  // Before April 2018: four regions. Inferred from the 2018/19 region by the README's rule.
  const readmeRule = verbatim(README_FILE, README_FOUR_REGIONS_LINE);
  for (const s of stp2019Rows) {
    const stp = stps.find((x) => x.code === s.value.stp_ods);
    if (!stp || (stp.valid_from && stp.valid_from >= '2018-04-01')) continue; // formed after the split
    const south = s.value.region_ods_2018_19 === 'Y58' || s.value.region_ods_2018_19 === 'Y59';
    memberships.push({
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
      source_text: readmeRule,
    });
  }

  // From 2020 ONS re-coded five STPs; the README states the pairs.
  const recodes = verbatim(README_FILE, README_RECODES_LINE);
  for (const [, ods, ons] of recodes.matchAll(/\b(Q[A-Z0-9]{2}) (E54\d{6})\b/g)) {
    if (!ods || !ons) continue;
    if (!stps.some((s) => s.code === ods)) {
      problems.push({ file: README_FILE, line: README_RECODES_LINE, reason: `re-code names unknown STP ${ods}` });
      continue;
    }
    onsCodes.push({
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

  for (const code of tracker.keys()) {
    if (!stps.some((s) => s.code === code)) {
      const row = tracker.get(code);
      problems.push({ file: trackerPath, line: row?.line ?? 1, column: 'ods_code', reason: `${code} is in no official code list` });
    }
  }

  // A membership cannot start before its STP existed (QHM formed on 2018-06-07, inside 2018/19).
  for (const m of memberships) {
    const from = stps.find((s) => s.code === m.stp_code)?.valid_from;
    if (from && (m.valid_from === null || m.valid_from === undefined || m.valid_from < from)) m.valid_from = from;
  }

  const icsDesignations: NewIcsDesignation[] = icsRows.map(({ value: i }) => ({
    stp_code: i.stp_ods_code,
    ics_name: i.ics_name,
    wave: i.wave,
    covers_whole_stp: i.covers_whole_stp,
    list_line: i.list_line,
    list_text: i.list_text,
    wave_line: i.wave_line,
    wave_text: i.wave_text,
  }));

  throwIfProblems(problems);
  return { regions, stps, onsCodes, memberships, icsDesignations };
}

/** Validates every source first, then replaces the subgraph's rows in one transaction. */
export async function seedGeography(db: Kysely<GeographyDatabase>, paths: GeographyDataPaths = {}): Promise<SeedReport> {
  const rows = buildGeographyRows(paths);
  await replaceAll(db, rows);
  return {
    region: rows.regions.length,
    stp: rows.stps.length,
    stp_ons_code: rows.onsCodes.length,
    stp_region_membership: rows.memberships.length,
    ics_designation: rows.icsDesignations.length,
  };
}

import {
  type DataProblem,
  issueProblems,
  replaceTables,
  type SeedDerivation,
  type SeedReport,
  throwIfProblems,
} from '@nhs-hub/kit/subgraph';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type {
  GeographyDatabase,
  NewIcsDesignation,
  NewRegion,
  NewStp,
  NewStpOnsCode,
  NewStpRegionMembership,
} from '../db/types.js';
import { applyCodeHistory } from './history.js';
import { readIcsDesignations } from './ics.js';
import { startMembershipsWithStps } from './membership-starts.js';
import { MembershipRow, seededMembershipProblems } from './memberships.js';
import { OnsCodeRow, ownCodeProblem } from './ons-codes.js';
import { applyFourRegions, applyRecodes } from './readme-rules.js';
import { readRegions } from './regions.js';
import { DATA_FILES, GEOGRAPHY_DATA_DIR } from './files.js';
import { readStps2019 } from './stps-2019.js';
import { readTrackerStps } from './tracker.js';
import { checkTrackerCodes } from './tracker-codes.js';

export { DATA_FILES, GEOGRAPHY_DATA_DIR };

export interface GeographyRows {
  regions: NewRegion[];
  stps: NewStp[];
  onsCodes: NewStpOnsCode[];
  memberships: NewStpRegionMembership[];
  icsDesignations: NewIcsDesignation[];
}

export interface GeographyDataPaths {
  /** Folder holding the data files (see DATA_FILES), with a trailing slash; defaults to the subgraph's data/. */
  dataDir?: string;
}

/**
 * Runs every step over the sources and returns the rows to load. Steps collect problems rather
 * than stopping, so one run reports every problem in every file; then a DataFileError names them
 * (file:line [column]: reason) before anything touches the database.
 */
export function buildGeographyRows(paths: GeographyDataPaths = {}): GeographyRows {
  const dataDir = paths.dataDir ?? GEOGRAPHY_DATA_DIR;
  const problems: DataProblem[] = [];
  const regions = readRegions(problems);
  const tracker = readTrackerStps(dataDir, problems);
  const icsDesignations = readIcsDesignations(dataDir, tracker, problems);
  const rows = readStps2019(tracker, new Set(regions.map((r) => r.code)), problems);
  applyCodeHistory(rows, tracker, problems);
  applyFourRegions(rows);
  applyRecodes(rows, problems);
  checkTrackerCodes(dataDir, tracker, rows.stps, problems);
  startMembershipsWithStps(rows);
  // The rows a load would be held to, held to the same schemas and rules.
  builtRowProblems(rows.memberships, MembershipRow, problems);
  builtRowProblems(rows.onsCodes, OnsCodeRow, problems);
  problems.push(...seededMembershipProblems(rows.memberships, rows.stps, regions));
  for (const stp of rows.stps) {
    const reason = ownCodeProblem(stp, rows.onsCodes);
    if (reason) problems.push({ file: stp.official_source_document, line: stp.official_source_line, reason });
  }
  throwIfProblems(problems);
  return { regions, stps: rows.stps, onsCodes: rows.onsCodes, memberships: rows.memberships, icsDesignations };
}

/** Rows the steps built from the source lists, each checked by the schema a load file's row must pass. */
function builtRowProblems(
  rows: readonly { readonly source_document: string; readonly source_line: number }[],
  schema: z.ZodType,
  problems: DataProblem[],
): void {
  for (const row of rows) {
    const parsed = schema.safeParse(row);
    if (!parsed.success)
      problems.push(
        ...issueProblems(parsed.error.issues, { ...row }, { file: row.source_document, line: row.source_line }),
      );
  }
}

/**
 * What a reseed checks of the rows it will write (data/'s, with those later loads changed as they
 * left them): memberships keep their rules, so a kept loaded membership and one data/ changed since
 * never put an STP in two regions on one day. Geography derives no stored rows; nothing is derived.
 */
const membershipRules: SeedDerivation<GeographyDatabase> = {
  derived: {},
  derive(merged) {
    throwIfProblems(
      seededMembershipProblems(
        merged.get('stp_region_membership') ?? [],
        merged.get('stp') ?? [],
        merged.get('region') ?? [],
      ),
    );
    return {};
  },
};

/** Validates every source first, then replaces the subgraph's rows in one transaction. */
export async function seedGeography(
  db: Kysely<GeographyDatabase>,
  paths: GeographyDataPaths = {},
): Promise<SeedReport> {
  const rows = buildGeographyRows(paths);
  return replaceTables(
    db,
    [
      ['region', rows.regions],
      // Successors first, so the foreign key from a closed STP to its successor holds on insert.
      ['stp', [...rows.stps].sort((a, b) => Number(a.successor_code !== null) - Number(b.successor_code !== null))],
      ['stp_ons_code', rows.onsCodes],
      ['stp_region_membership', rows.memberships],
      ['ics_designation', rows.icsDesignations],
    ],
    membershipRules,
  );
}

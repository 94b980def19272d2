import { replaceTables, type SeedReport, throwIfProblems, type DataProblem } from '@nhs-hub/kit/subgraph';
import type { Kysely } from 'kysely';
import type { NewWorkforceFact, WorkforceDatabase } from '../db/types.js';
import { readFacts } from './facts.js';
import { DATA_FILES, WORKFORCE_DATA_DIR } from './files.js';

export interface WorkforceRows {
  facts: NewWorkforceFact[];
}

export interface WorkforceDataPaths {
  /** Folder holding the data files (with a trailing slash); the subgraph's data/ by default. */
  dataDir?: string;
}

/**
 * Runs every step over the data files and returns the rows to load; a DataFileError names every
 * problem (file:line [column]: reason) before anything touches the database.
 */
export function buildWorkforceRows(paths: WorkforceDataPaths = {}): WorkforceRows {
  const dataDir = paths.dataDir ?? WORKFORCE_DATA_DIR;
  const problems: DataProblem[] = [];
  const facts = readFacts(`${dataDir}${DATA_FILES.facts}`, problems);
  throwIfProblems(problems);
  return { facts };
}

/** Validates every data file first, then replaces the subgraph's rows in one transaction. */
export async function seedWorkforce(
  db: Kysely<WorkforceDatabase>,
  paths: WorkforceDataPaths = {},
): Promise<SeedReport> {
  const rows = buildWorkforceRows(paths);
  // The data file is the whole table, except rows a later release (npm run load) changed: those
  // are kept as that release left them (docs/data-releases.md), and the start line names them.
  return replaceTables(db, [['workforce_fact', rows.facts]]);
}

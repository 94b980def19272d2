import { replaceTables, type SeedReport, throwIfProblems, type DataProblem } from '@nhs-hub/kit/subgraph';
import type { Kysely } from 'kysely';
import type { New__Name__Fact, __Name__Database } from '../db/types.js';
import { readFacts } from './facts.js';
import { DATA_FILES, __NAME___DATA_DIR } from './files.js';

export interface __Name__Rows {
  facts: New__Name__Fact[];
}

export interface __Name__DataPaths {
  /** Folder holding the data files (with a trailing slash); the subgraph's data/ by default. */
  dataDir?: string;
}

/**
 * Runs every step over the data files and returns the rows to load; a DataFileError names every
 * problem (file:line [column]: reason) before anything touches the database.
 */
export function build__Name__Rows(paths: __Name__DataPaths = {}): __Name__Rows {
  const dataDir = paths.dataDir ?? __NAME___DATA_DIR;
  const problems: DataProblem[] = [];
  const facts = readFacts(`${dataDir}${DATA_FILES.facts}`, problems);
  throwIfProblems(problems);
  return { facts };
}

/** Validates every data file first, then replaces the subgraph's rows in one transaction. */
export async function seed__Name__(
  db: Kysely<__Name__Database>,
  paths: __Name__DataPaths = {},
): Promise<SeedReport> {
  const rows = build__Name__Rows(paths);
  // The data file is the whole table, except rows a later release (npm run load) changed: those
  // are kept as that release left them (docs/data-releases.md), and the start line names them.
  return replaceTables(db, [['__name___fact', rows.facts]]);
}

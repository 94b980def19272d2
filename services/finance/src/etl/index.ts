import { type DataProblem, displayPath, replaceTables, type SeedReport, throwIfProblems } from '@nhs-hub/kit/subgraph';
import type { Kysely } from 'kysely';
import type { FinanceDatabase, NewFinancialFact, NewRegionFact, NewStpFinance } from '../db/types.js';
import { readFacts } from './facts.js';
import { DATA_FILES, dataPath, FINANCE_DATA_DIR } from './files.js';
import { deriveGaps } from './gaps.js';
import { readRegionFacts } from './region-facts.js';
import { readSections } from './sections.js';

export { FINANCE_DATA_DIR };

export interface FinanceRows {
  stps: NewStpFinance[];
  facts: NewFinancialFact[];
  regionFacts: NewRegionFact[];
}

export interface FinanceDataPaths {
  /** Folder holding tracker-sections.csv, financial-facts.csv and annex-a-region-facts.csv. */
  dataDir?: string;
}

/**
 * Runs every step over the data files (each collects its problems rather than stopping at the
 * first, so one run reports them all) and returns the rows to load. Throws a DataFileError naming
 * file:line [column] before anything touches the database.
 */
export function buildFinanceRows(paths: FinanceDataPaths = {}): FinanceRows {
  const dataDir = paths.dataDir ?? FINANCE_DATA_DIR;
  const problems: DataProblem[] = [];
  const sections = readSections(dataDir, problems);
  const facts = readFacts(dataDir, sections, problems);
  const regionFacts = readRegionFacts(dataDir, problems);
  const stps = deriveGaps(sections, facts, displayPath(dataPath(dataDir, DATA_FILES.facts)), problems);
  throwIfProblems(problems);
  return {
    stps,
    // Serialised after every step ran: deriveGaps adds DUPLICATED_FIGURE to the facts' derived flags.
    facts: facts.map((f) => ({
      stp_code: f.stp,
      kind: f.kind,
      figure_number: f.figureNumber,
      part: f.part,
      amount_gbp_m: f.amount,
      amount_as_stated: f.stated,
      source_document: f.document,
      source_line: f.line,
      source_text: f.text,
      flags: JSON.stringify(f.flags),
      derived_flags: JSON.stringify(f.derivedFlags),
    })),
    regionFacts,
  };
}

/** Validates every data file first, then replaces the subgraph's rows in one transaction. */
export async function seedFinance(db: Kysely<FinanceDatabase>, paths: FinanceDataPaths = {}): Promise<SeedReport> {
  const rows = buildFinanceRows(paths);
  return replaceTables(db, [
    ['stp_finance', rows.stps],
    ['financial_fact', rows.facts],
    ['region_fact', rows.regionFacts],
  ]);
}

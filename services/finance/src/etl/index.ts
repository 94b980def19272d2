import {
  type DataProblem,
  type DerivedRows,
  displayPath,
  replaceTables,
  type SeedReport,
  throwIfProblems,
} from '@nhs-hub/kit/subgraph';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { FinanceDatabase, NewFinancialFact, NewRegionFact, NewStpFinance } from '../db/types.js';
import { type Fact, factFromRow, readFacts } from './facts.js';
import { DATA_FILES, dataPath, FINANCE_DATA_DIR } from './files.js';
import { deriveGaps } from './gaps.js';
import { readRegionFacts } from './region-facts.js';
import { readSections, type Section } from './sections.js';

export { FINANCE_DATA_DIR };

export interface FinanceRows {
  stps: NewStpFinance[];
  facts: NewFinancialFact[];
  regionFacts: NewRegionFact[];
  /** The tracker's sections the gaps were derived with (a reseed derives them again from the merged facts). */
  sections: ReadonlyMap<string, Section>;
  /** The facts file as problems name it. */
  factsFile: string;
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
  const factsFile = displayPath(dataPath(dataDir, DATA_FILES.facts));
  const stps = deriveGaps(sections, facts, factsFile, problems);
  throwIfProblems(problems);
  return {
    stps,
    // Serialised after every step ran: deriveGaps adds DUPLICATED_FIGURE to the facts' derived flags.
    facts: facts.map((f) => factRow(f)),
    regionFacts,
    sections,
    factsFile,
  };
}

/** A fact as its financial_fact row, with the derived flags the gap derivation gave it. */
function factRow(f: Fact, id?: number): NewFinancialFact {
  return {
    ...(id === undefined ? {} : { id }),
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
  };
}

const Flag = z.object({ code: z.string(), explanation: z.string() });
/**
 * A financial_fact row as a reseed will write it: the seed's (flags as JSON text), or one a load left
 * that the reseed keeps, read back from the table (its id; numbers and jsonb as the driver reads them).
 */
const MergedFact = z.object({
  id: z.coerce.number().int().optional(),
  stp_code: z.string(),
  kind: z.string(),
  figure_number: z.coerce.number().int(),
  part: z.coerce.number().int().nullable(),
  amount_as_stated: z.string().nullable(),
  source_document: z.string(),
  source_line: z.coerce.number().int(),
  source_text: z.string(),
  flags: z.union([z.string(), z.array(Flag)]),
});

/**
 * The STPs' gaps and the facts' derived flags from the facts as the reseed will write them: data/'s,
 * with those a later load changed as it left them. By the seed's own deriveGaps, as a load derives
 * them, so a kept loaded part and the gap derived from it never disagree.
 */
export function deriveFromFacts(
  sections: ReadonlyMap<string, Section>,
  merged: readonly Readonly<Record<string, unknown>>[],
  factsFile: string,
): DerivedRows<FinanceDatabase> {
  const rows = merged.map((row) => MergedFact.parse(row));
  const facts = rows.map(factFromRow);
  const problems: DataProblem[] = [];
  const stps = deriveGaps(sections, facts, factsFile, problems);
  throwIfProblems(problems);
  return {
    stp_finance: stps,
    financial_fact: facts.map((f, i) => factRow(f, rows[i]?.id)),
  };
}

/**
 * Validates every data file first, then replaces the subgraph's rows in one transaction. The gaps
 * (stp_finance) and the facts' derived flags are derived again from the facts the merge keeps.
 */
export async function seedFinance(db: Kysely<FinanceDatabase>, paths: FinanceDataPaths = {}): Promise<SeedReport> {
  const rows = buildFinanceRows(paths);
  return replaceTables(
    db,
    [
      ['stp_finance', rows.stps],
      ['financial_fact', rows.facts],
      ['region_fact', rows.regionFacts],
    ],
    {
      derived: { stp_finance: '*', financial_fact: ['derived_flags'] },
      derive: (merged) => deriveFromFacts(rows.sections, merged.get('financial_fact') ?? [], rows.factsFile),
    },
  );
}

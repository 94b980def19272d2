import {
  DataFileError,
  type DataProblem,
  type DeriveContext,
  type LoadableTable,
  type Provenance,
  param,
  type RowChange,
  readReferenceLists,
  rowChange,
  throwIfProblems,
} from '@nhs-hub/kit/subgraph';
import { type Kysely, sql } from 'kysely';
import type { FinancialFact, NewStpFinance } from '../db/types.js';
import { factFromRow, factTable, type LoadedFact } from './facts.js';
import { FINANCE_DATA_DIR } from './files.js';
import { deriveGaps } from './gaps.js';
import { readSections, type Section } from './sections.js';

let sections: Map<string, Section> | null = null;
/** The tracker's sections from data/, read once, when a load first needs them. */
function trackerSections(): Map<string, Section> {
  if (!sections) {
    const problems: DataProblem[] = [];
    const read = readSections(FINANCE_DATA_DIR, problems);
    throwIfProblems(problems);
    sections = read;
  }
  return sections;
}

/** Whether geography publishes the STP (true when there is no list: the reference check then says so). */
function publishedByGeography(stp: string): boolean {
  const list = readReferenceLists()?.lists.stp;
  return !list || list.keys.includes(stp);
}

/** The stp_finance column each headline kind sets. */
const COLUMN_OF_KIND: Readonly<Record<string, keyof NewStpFinance>> = {
  HEALTHCARE_GAP: 'healthcare_gbp_m',
  SOCIAL_CARE_GAP: 'social_care_gbp_m',
  COMBINED_GAP: 'combined_gbp_m',
  PROPOSED_SAVINGS: 'proposed_savings_gbp_m',
  CAPITAL_REQUIRED: 'capital_required_gbp_m',
};

const FACT_KEY = ['stp_code', 'kind', 'figure_number'] as const;

/**
 * After a load changed financial facts: every STP's figure set derived again from the facts the
 * table now holds, by the seed's own deriveGaps (so the arithmetic, the checks and flags such as
 * SUM_MISMATCH are the seed's), and the rows that differ written. All STPs, not only the loaded
 * ones: DUPLICATED_FIGURE compares a figure with other sections' gap parts. Each derived change
 * carries the source of the loaded row that caused it (the STP's loaded row of the column's kind,
 * else its first loaded row), so a gap part's history names the file and line that set it.
 */
export async function rederiveGaps(
  trx: Kysely<unknown>,
  loaded: readonly RowChange[],
  context: DeriveContext,
): Promise<RowChange[]> {
  const factsTable = sql.table(`${context.schema}.financial_fact`);
  const stpTable = sql.table(`${context.schema}.stp_finance`);
  // In the order the seed wrote them (the data file's), so a figure set derives as the seed derived it.
  const { rows: held } = await sql<FinancialFact>`select * from ${factsTable} order by id`.execute(trx);
  const facts = held.map(factFromRow);
  const problems: DataProblem[] = [];
  const derived = deriveGaps(trackerSections(), facts, context.file, problems);
  if (problems.length) throw new DataFileError(problems);

  const sourceOf = (stp: string, columns: readonly string[]): Provenance => {
    const mine = loaded.filter((c) => c.key.stp_code === stp && c.source);
    const kinds = (c: RowChange) => COLUMN_OF_KIND[String(c.key.kind)];
    const best = mine.find((c) => columns.includes(kinds(c) ?? '')) ?? mine[0];
    return best?.source ?? { file: context.file, line: 0 };
  };

  const changes: RowChange[] = [];
  const { rows: stps } = await sql<Record<string, unknown>>`select * from ${stpTable}`.execute(trx);
  const current = new Map(stps.map((row) => [String(row.stp_code), row]));
  for (const row of derived) {
    const before = current.get(row.stp_code);
    const change = rowChange('stp_finance', ['stp_code'], before, row);
    if (!change) continue;
    const columns = Object.keys(change.after ?? {});
    changes.push({ ...change, source: sourceOf(row.stp_code, columns) });
    if (change.op === 'insert') {
      const written = Object.entries(row);
      await sql`insert into ${stpTable} (${sql.join(written.map(([c]) => sql.id(c)))})
        values (${sql.join(written.map(([, v]) => param(v)))})`.execute(trx);
    } else {
      const sets = Object.entries(change.after ?? {}).map(([c, v]) => sql`${sql.id(c)} = ${param(v)}`);
      await sql`update ${stpTable} set ${sql.join(sets)} where stp_code = ${row.stp_code}`.execute(trx);
    }
  }

  for (const [i, fact] of facts.entries()) {
    const before = held[i];
    if (!before) continue;
    const change = rowChange('financial_fact', FACT_KEY, before, {
      stp_code: before.stp_code,
      kind: before.kind,
      figure_number: before.figure_number,
      derived_flags: JSON.stringify(fact.derivedFlags),
    });
    if (!change) continue;
    changes.push({ ...change, source: sourceOf(before.stp_code, []) });
    await sql`update ${factsTable} set derived_flags = ${JSON.stringify(fact.derivedFlags)}
      where stp_code = ${before.stp_code} and kind = ${before.kind} and figure_number = ${before.figure_number}`.execute(
      trx,
    );
  }
  return changes;
}

/**
 * `npm run load -- finance financial_fact <file>`: rows in data/financial-facts.csv's format, each
 * checked as the seed checks it (the cited text verbatim on its line, the amount written in it and
 * read to £ millions, a tracker line inside the STP's financial block), the STP one geography
 * publishes, each figure known by its STP, kind and figure_number. The STPs' gaps (stp_finance) are
 * derived again in the same release, so a loaded figure and the gap derived from it never disagree
 * and a revert undoes both.
 */
export const financialFactLoadable: LoadableTable<LoadedFact> = {
  ...factTable(trackerSections, publishedByGeography),
  derive: rederiveGaps,
  derives: ['stp_finance'],
};

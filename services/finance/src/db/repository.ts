import { type CountedRows, countRows, TOTAL_COUNT, withTotalCount } from '@nhs-hub/kit/subgraph';
import { type Kysely, sql } from 'kysely';
import type { FinanceDatabase, FinancialFact, RegionFact, StpFinance } from './types.js';

type Db = Kysely<FinanceDatabase>;

export async function financeOfStps(db: Db, codes: readonly string[]): Promise<StpFinance[]> {
  if (codes.length === 0) return [];
  return db.selectFrom('stp_finance').selectAll().where('stp_code', 'in', codes).execute();
}

/** A fact as the graph serves it: its own flags and those derived across facts (DUPLICATED_FIGURE) in one list. */
const served = (fact: FinancialFact): FinancialFact => ({ ...fact, flags: [...fact.flags, ...fact.derived_flags] });

export async function factsOfStps(db: Db, codes: readonly string[]): Promise<FinancialFact[]> {
  if (codes.length === 0) return [];
  const rows = await db
    .selectFrom('financial_fact')
    .selectAll()
    .where('stp_code', 'in', codes)
    .orderBy('stp_code')
    .orderBy(sql`source_document desc`)
    .orderBy('source_line')
    .orderBy('id')
    .execute();
  return rows.map(served);
}

export async function regionFactsOf(db: Db, regionCodes: readonly string[]): Promise<RegionFact[]> {
  if (regionCodes.length === 0) return [];
  return db
    .selectFrom('region_fact')
    .selectAll()
    .where('region_code', 'in', regionCodes)
    .orderBy('source_line')
    .orderBy('id')
    .execute();
}

export type GapOrder = 'COMBINED_GAP' | 'CAPITAL_REQUIRED' | 'PROPOSED_SAVINGS' | 'STP_CODE';

export interface GapFilter {
  stpCodes?: readonly string[] | null | undefined;
  hasFlag?: string | null | undefined;
}

export interface PageRequest<O> {
  orderBy: O;
  descending: boolean;
  limit: number;
  offset: number;
}

const GAP_COLUMNS = {
  COMBINED_GAP: 'combined_gbp_m',
  CAPITAL_REQUIRED: 'capital_required_gbp_m',
  PROPOSED_SAVINGS: 'proposed_savings_gbp_m',
  STP_CODE: 'stp_code',
} as const;

/** One page of STP figure sets and the total matching count, in one statement. Nulls sort last. */
export async function listGaps(
  db: Db,
  filter: GapFilter,
  page: PageRequest<GapOrder>,
): Promise<CountedRows<StpFinance>> {
  let query = db.selectFrom('stp_finance').selectAll().select(TOTAL_COUNT);
  if (filter.stpCodes)
    query = query.where('stp_code', 'in', filter.stpCodes.length ? filter.stpCodes.map((c) => c.toUpperCase()) : ['']);
  if (filter.hasFlag) query = query.where(sql<boolean>`flags @> ${JSON.stringify([{ code: filter.hasFlag }])}::jsonb`);
  const rows = await query
    .orderBy(GAP_COLUMNS[page.orderBy], (o) => (page.descending ? o.desc().nullsLast() : o.asc().nullsLast()))
    .orderBy('stp_code')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  return withTotalCount(rows, page, () => countRows(query));
}

export type FactOrder = 'AMOUNT' | 'STP_CODE' | 'SOURCE_LINE';

export interface FactFilter {
  stpCodes?: readonly string[] | null | undefined;
  kinds?: readonly string[] | null | undefined;
  hasFlag?: string | null | undefined;
}

export async function listFacts(db: Db, filter: FactFilter, page: PageRequest<FactOrder>): Promise<FinancialFact[]> {
  let query = db.selectFrom('financial_fact').selectAll();
  if (filter.stpCodes)
    query = query.where('stp_code', 'in', filter.stpCodes.length ? filter.stpCodes.map((c) => c.toUpperCase()) : ['']);
  if (filter.kinds) query = query.where('kind', 'in', filter.kinds.length ? filter.kinds : ['']);
  if (filter.hasFlag) {
    const flag = JSON.stringify([{ code: filter.hasFlag }]);
    query = query.where(sql<boolean>`(flags @> ${flag}::jsonb or derived_flags @> ${flag}::jsonb)`);
  }
  const column = page.orderBy === 'AMOUNT' ? 'amount_gbp_m' : page.orderBy === 'STP_CODE' ? 'stp_code' : 'source_line';
  const rows = await query
    .orderBy(column, (o) => (page.descending ? o.desc().nullsLast() : o.asc().nullsLast()))
    .orderBy('stp_code')
    .orderBy('source_line')
    .orderBy('id')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  return rows.map(served);
}

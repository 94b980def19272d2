import type { FlagShape } from '@nhs-hub/kit/subgraph';
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** jsonb: read back as objects, written as JSON text. */
export type Json<T> = ColumnType<T, string, string>;

/** A check the seed step ran on a figure set, kept whether it holds or not. */
export interface CheckShape {
  readonly code: string;
  readonly holds: boolean;
  readonly explanation: string;
}

/** One STP section of the tracker and its headline figures (amounts in £ millions, numeric). */
export interface StpFinanceTable {
  stp_code: string;
  tracker_name: string;
  heading_line: number;
  heading_text: string;
  horizon: string;
  healthcare_gbp_m: string | null;
  social_care_gbp_m: string | null;
  combined_gbp_m: string | null;
  proposed_savings_gbp_m: string | null;
  capital_required_gbp_m: string | null;
  flags: Json<FlagShape[]>;
  checks: Json<CheckShape[]>;
}

/** One financial line (or one amount of a line) of a section, with the text that states it. */
export interface FinancialFactTable {
  id: Generated<number>;
  stp_code: string;
  kind: string;
  /** With stp_code and kind, the row's key: 1 unless the STP states more than one figure of the kind. */
  figure_number: Generated<number>;
  /** Which amount of a split such as "£85/£97M" (1 or 2); null for a whole amount. */
  part: number | null;
  amount_gbp_m: string | null;
  amount_as_stated: string | null;
  source_document: string;
  source_line: number;
  source_text: string;
  /** The row's own flags: what reading its amount raised, and the flag its data row gives. */
  flags: Json<FlagShape[]>;
  /** Flags derived across facts when the STP's gap is derived (DUPLICATED_FIGURE). */
  derived_flags: ColumnType<FlagShape[], string | undefined, string>;
}

/** A stated figure of Annex A (9 May 2018) for a proposed region, attached to today's region. */
export interface RegionFactTable {
  id: Generated<number>;
  region_code: string;
  proposed_region_name: string;
  label: string;
  value: string;
  value_as_stated: string;
  unit: string;
  source_document: string;
  source_line: number;
  source_text: string;
  flags: Json<FlagShape[]>;
}

export interface FinanceDatabase {
  stp_finance: StpFinanceTable;
  financial_fact: FinancialFactTable;
  region_fact: RegionFactTable;
}

export type StpFinance = Selectable<StpFinanceTable>;
export type NewStpFinance = Insertable<StpFinanceTable>;
export type FinancialFact = Selectable<FinancialFactTable>;
export type NewFinancialFact = Insertable<FinancialFactTable>;
export type RegionFact = Selectable<RegionFactTable>;
export type NewRegionFact = Insertable<RegionFactTable>;

/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** An STP or region, by ODS code: only the changes to its rows. */
export type ChangeEntityInput = {
  /** ODS code, e.g. QJM (an STP) or Y56 (a region). */
  code: string;
  type: ChangeEntityType;
};

export type ChangeEntityType =
  | 'REGION'
  | 'STP';

/** What a release did to the row: inserted it, updated some of its fields, or deleted it. */
export type ChangeOp =
  | 'DELETE'
  | 'INSERT'
  | 'UPDATE';

/** What a financial line of an STP section states. NOTE lines carry no amount. */
export type FinancialFactKind =
  | 'CAPITAL_REQUIRED'
  | 'COMBINED_GAP'
  | 'COMMISSIONER_GAP'
  | 'COMMISSIONING_SAVING'
  | 'COMMUNITY_CARE_SHIFT'
  | 'HEALTHCARE_GAP'
  | 'IMPLEMENTATION_COSTS'
  | 'INVESTMENT_NEED'
  | 'NATIONAL_FUNDING'
  | 'NET_GAP_AFTER_SAVINGS'
  | 'NOTE'
  | 'PRIMARY_CARE_INVESTMENT'
  | 'PROPOSED_SAVINGS'
  | 'PROVIDER_GAP'
  | 'RECURRENT_SAVINGS'
  | 'RESIDUAL_GAP'
  | 'REVENUE_REQUIRED'
  | 'SAVINGS_INITIATIVE'
  | 'SOCIAL_CARE_GAP'
  | 'SOLUTIONS_SURPLUS'
  | 'STF_ALLOCATION'
  | 'STP_FUNDING_EXPECTED'
  | 'STP_FUNDING_NEED'
  | 'STP_FUNDING_SHARE'
  | 'SURPLUS_FORECAST'
  | 'SYSTEM_DEFICIT'
  | 'TRANSFORMATION_COSTS'
  | 'TRANSITION_FUNDING'
  | 'TRANSITION_FUNDING_HIGH'
  | 'TRANSITION_FUNDING_LOW'
  | 'WORKSTREAM_SAVINGS';

/** Integrated care system status as the tracker states it: the earliest wave of any ICS within the STP. */
export type IcsStatus =
  /** Holds a first-wave ICS (numbered in the tracker's ICS list). */
  | 'FIRST_WAVE'
  /** The tracker names no ICS in this STP. */
  | 'NONE'
  /** Holds a second-wave ICS and no first-wave one. */
  | 'SECOND_WAVE';

export type RegionFinanceRankOrder =
  | 'CAPITAL_REQUIRED'
  | 'COMBINED_GAP'
  | 'GAP_PER_HEAD'
  | 'PROPOSED_SAVINGS';

export type ExportChangesQueryVariables = Exact<{
  since?: string | null | undefined;
  subgraph?: string | null | undefined;
  table?: string | null | undefined;
  field?: string | null | undefined;
  entity?: ChangeEntityInput | null | undefined;
  after?: string | null | undefined;
}>;


export type ExportChangesQuery = { changes: { nodes: Array<{ subgraph: string, release: number, at: string, op: ChangeOp, table: string, key: string, field: string, before: string | null, after: string | null, source: { file: string, line: number, document: string | null, documentLine: number | null } | null, entity:
        | { __typename: 'Region', code: string, name: string }
        | { __typename: 'Stp', code: string, name: string }
       | null }>, pageInfo: { hasNextPage: boolean, endCursor: string } } };

export type ExportRegionRankingsQueryVariables = Exact<{
  code: string | number;
  asOf?: string | null | undefined;
  by: RegionFinanceRankOrder;
}>;


export type ExportRegionRankingsQuery = { regionSnapshot: { regionCode: string, asOf: string, region: { code: string, name: string } | null, stps: Array<{ code: string, name: string }>, financialSummary: { rankings: Array<{ rank: number, stpCode: string, valueGbpM: string, gbpPerPerson: string | null, financialGap: { flags: Array<{ code: string }> } }> | null } } | null };

export type ExportRegionStpsQueryVariables = Exact<{
  code: string | number;
  asOf?: string | null | undefined;
}>;


export type ExportRegionStpsQuery = { regionSnapshot: { regionCode: string, asOf: string, population: number | null, populationIsComplete: boolean, region: { code: string, name: string } | null, stps: Array<{ code: string, name: string, population: number | null, financialGap: { combinedGbpM: string | null, proposedSavingsGbpM: string | null, capitalRequiredGbpM: string | null, flags: Array<{ code: string }> } | null, gapPerHeadDerived: { gbpPerPerson: string, formula: string } | null }>, financialSummary: { combinedGapGbpM: string | null, capitalRequiredGbpM: string | null, proposedSavingsGbpM: string | null, gapPerHeadGbp: string | null, stpsWithGap: number, stpCodesWithoutGap: Array<string>, flags: Array<{ code: string }> } } | null };

export type ExportStpsQueryVariables = Exact<{
  asOf?: string | null | undefined;
  offset?: number | null | undefined;
}>;


export type ExportStpsQuery = { stps: { totalCount: number, hasNextPage: boolean, nodes: Array<{ code: string, onsCode: string, name: string, population: number | null, icsStatus: IcsStatus | null, populationSource: { line: number, document: { file: string } } | null, region: { code: string, name: string } | null, leads: Array<{ name: string, affiliationAsWritten: string | null, source: { line: number, document: { file: string } } }>, financialGap: { healthcareGbpM: string | null, socialCareGbpM: string | null, combinedGbpM: string | null, proposedSavingsGbpM: string | null, capitalRequiredGbpM: string | null, flags: Array<{ code: string }>, sectionSource: { document: { file: string } } } | null, figureFacts: Array<{ kind: FinancialFactKind, amountGbpM: string | null, source: { line: number, document: { file: string } } }>, workforceFacts: Array<{ statement: string, qualifier: string | null, source: { line: number, document: { file: string } } }> }> } };

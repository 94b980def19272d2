/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** Integrated care system status as the tracker states it: the earliest wave of any ICS within the STP. */
export type IcsStatus =
  /** Holds a first-wave ICS (numbered in the tracker's ICS list). */
  | 'FIRST_WAVE'
  /** The tracker names no ICS in this STP. */
  | 'NONE'
  /** Holds a second-wave ICS and no first-wave one. */
  | 'SECOND_WAVE';

export type ExportCheckStpsQueryVariables = Exact<{
  asOf?: string | null | undefined;
  offset?: number | null | undefined;
}>;


export type ExportCheckStpsQuery = { stps: { hasNextPage: boolean, nodes: Array<{ code: string, onsCode: string, name: string, population: number | null, icsStatus: IcsStatus | null, populationSource: { line: number, text: string, document: { file: string } } | null, region: { code: string, name: string } | null, leads: Array<{ name: string, affiliationAsWritten: string | null, source: { line: number, text: string, document: { file: string } } }>, financialGap: { healthcareGbpM: string | null, socialCareGbpM: string | null, combinedGbpM: string | null, proposedSavingsGbpM: string | null, capitalRequiredGbpM: string | null, flags: Array<{ code: string }>, sources: Array<{ line: number, text: string, document: { file: string } }> } | null, proposedSavings: { source: { line: number, text: string, document: { file: string } } } | null, capitalRequired: { source: { line: number, text: string, document: { file: string } } } | null, workforceFacts: Array<{ statement: string, qualifier: string | null, source: { line: number, text: string, document: { file: string } } }> }> } };

export type ExportCheckRegionQueryVariables = Exact<{
  code: string | number;
  asOf?: string | null | undefined;
}>;


export type ExportCheckRegionQuery = { regionSnapshot: { regionCode: string, asOf: string, population: number | null, region: { name: string } | null, stps: Array<{ code: string, name: string, population: number | null, financialGap: { combinedGbpM: string | null, proposedSavingsGbpM: string | null, capitalRequiredGbpM: string | null, flags: Array<{ code: string }> } | null, gapPerHeadDerived: { gbpPerPerson: string, formula: string } | null }>, financialSummary: { combinedGapGbpM: string | null, capitalRequiredGbpM: string | null, proposedSavingsGbpM: string | null, gapPerHeadGbp: string | null, flags: Array<{ code: string }> } } | null };

import { SOURCE } from '@nhs-hub/kit/subgraph';

/**
 * The documents and fact kinds finance reads and serves. The ETL validates data files against
 * them and the schema exposes them, so they live apart from both (neither imports the other).
 */
export const { TRACKER, LINCOLNSHIRE_PAPER: LINCOLNSHIRE } = SOURCE;
export const HORIZON = '2020/21';

export const GAP_KINDS = ['HEALTHCARE_GAP', 'SOCIAL_CARE_GAP', 'COMBINED_GAP'] as const;
export const HEADLINE_KINDS = [...GAP_KINDS, 'PROPOSED_SAVINGS', 'CAPITAL_REQUIRED'] as const;
export const FACT_KINDS = [
  ...HEADLINE_KINDS,
  'NET_GAP_AFTER_SAVINGS',
  'RESIDUAL_GAP',
  'PROVIDER_GAP',
  'COMMISSIONER_GAP',
  'SYSTEM_DEFICIT',
  'SURPLUS_FORECAST',
  'SOLUTIONS_SURPLUS',
  'COMMISSIONING_SAVING',
  'RECURRENT_SAVINGS',
  'SAVINGS_INITIATIVE',
  'WORKSTREAM_SAVINGS',
  'TRANSITION_FUNDING',
  'TRANSITION_FUNDING_LOW',
  'TRANSITION_FUNDING_HIGH',
  'IMPLEMENTATION_COSTS',
  'TRANSFORMATION_COSTS',
  'REVENUE_REQUIRED',
  'INVESTMENT_NEED',
  'PRIMARY_CARE_INVESTMENT',
  'COMMUNITY_CARE_SHIFT',
  'STP_FUNDING_SHARE',
  'STP_FUNDING_NEED',
  'STP_FUNDING_EXPECTED',
  'STF_ALLOCATION',
  'NATIONAL_FUNDING',
  'NOTE',
] as const;
export type FactKind = (typeof FACT_KINDS)[number];

export const isGapKind = (kind: string): boolean => (GAP_KINDS as readonly string[]).includes(kind);

/** A fact's kind and flags, as filters read them. */
export interface Classified {
  readonly kind: string;
  readonly flags: readonly { readonly code: string }[];
}

/** The facts of the given kinds (all without a list) that carry the given flag (any without one), in their order. */
export function factsMatching<F extends Classified>(
  facts: readonly F[],
  filter: { readonly kinds?: readonly string[] | null; readonly hasFlag?: string | null },
): F[] {
  const { kinds, hasFlag } = filter;
  return facts.filter(
    (f) => (!kinds || kinds.includes(f.kind)) && (!hasFlag || f.flags.some((flag) => flag.code === hasFlag)),
  );
}

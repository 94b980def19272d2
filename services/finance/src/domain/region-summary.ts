import type { FlagShape } from '@nhs-hub/kit/subgraph';
import { add, compare, divide } from './decimal.js';

/**
 * What the hub derives from stated figures: the gap per head of an STP, and a region's totals,
 * per-head gap, flags and rankings over its member STPs on a date. Pure: the schema loads the rows
 * and geography's populations (through @requires) and hands them here.
 */

/** A member STP's stated figures (£M, exact decimal strings; null where its section states none). */
export interface MemberFigures {
  readonly stp_code: string;
  readonly combined_gbp_m: string | null;
  readonly capital_required_gbp_m: string | null;
  readonly proposed_savings_gbp_m: string | null;
  readonly flags: readonly FlagShape[];
}

/** £ per person: £M x 1,000,000 / population, rounded half-up to pence. */
export function perHead(combinedGbpM: string, population: number): string {
  return divide(combinedGbpM, BigInt(population), 6, 2);
}

export interface GapPerHead {
  readonly stpCode: string;
  readonly gbpPerPerson: string;
  readonly combinedGapGbpM: string;
  readonly population: number;
  /** The sum written out, so a reader can redo it. */
  readonly formula: string;
}

/** An STP's derived gap per head; null without a stated combined gap or a population. */
export function gapPerHead(
  stpCode: string,
  combinedGbpM: string | null | undefined,
  population: number | null | undefined,
): GapPerHead | null {
  if (!combinedGbpM || !population) return null;
  const gbpPerPerson = perHead(combinedGbpM, population);
  return {
    stpCode,
    gbpPerPerson,
    combinedGapGbpM: combinedGbpM,
    population,
    formula: `${combinedGbpM} x 1000000 / ${population} = ${gbpPerPerson} GBP per person (DERIVED)`,
  };
}

/** A region on a date: its member STPs (geography's), their population, and the figures finance holds for them. */
export interface RegionMembers<G extends MemberFigures = MemberFigures> {
  readonly stpCodes: readonly string[];
  readonly population: number | null;
  readonly populationIsComplete: boolean;
  /** The members' figure sets; a member the tracker does not cover has none. */
  readonly gaps: readonly G[];
  /** Each member's population as geography holds it, for per-head figures. */
  readonly populations: ReadonlyMap<string, number | null>;
}

export const SUMMED_FIGURES = {
  COMBINED_GAP: 'combined_gbp_m',
  CAPITAL_REQUIRED: 'capital_required_gbp_m',
  PROPOSED_SAVINGS: 'proposed_savings_gbp_m',
} as const;
export type SummedFigure = (typeof SUMMED_FIGURES)[keyof typeof SUMMED_FIGURES];

/** The exact sum of a figure over the members that state it; null when none does. */
export function total(members: RegionMembers, figure: SummedFigure): string | null {
  const values = members.gaps.map((g) => g[figure]).filter((v): v is string => v !== null);
  return values.length ? add(...values) : null;
}

const statesGap = (members: RegionMembers, code: string): boolean =>
  members.gaps.some((g) => g.stp_code === code && g.combined_gbp_m !== null);

/** Member STPs (in the region's order) with no stated combined gap. */
export function membersWithoutGap(members: RegionMembers): string[] {
  return members.stpCodes.filter((code) => !statesGap(members, code));
}

export function membersWithGap(members: RegionMembers): number {
  return members.gaps.filter((g) => g.combined_gbp_m !== null).length;
}

export function countWithoutGap(members: RegionMembers): number {
  return members.stpCodes.length - membersWithGap(members);
}

/** The region's combined gap per head: only when every member states a gap and a population. */
export function regionGapPerHead(members: RegionMembers): string | null {
  const sum = total(members, 'combined_gbp_m');
  const complete = members.populationIsComplete && membersWithoutGap(members).length === 0;
  return sum && complete && members.population ? perHead(sum, members.population) : null;
}

/** What a reader of the totals must know: members left out of a sum, and flags the members' figures carry. */
export function summaryFlags(members: RegionMembers): FlagShape[] {
  const flags: FlagShape[] = [];
  const without = membersWithoutGap(members);
  if (without.length) {
    flags.push({
      code: 'INCOMPLETE',
      explanation: `No stated combined gap for ${without.join(', ')}: the total covers ${members.stpCodes.length - without.length} of ${members.stpCodes.length} member STPs.`,
    });
  }
  if (!members.populationIsComplete) {
    flags.push({
      code: 'INCOMPLETE',
      explanation:
        'Some member STPs have no stated population (geography: populationIsComplete false), so no per-head figure is derived.',
    });
  }
  for (const key of ['capital_required_gbp_m', 'proposed_savings_gbp_m'] as const) {
    const missing = members.gaps.filter((g) => g[key] === null).map((g) => g.stp_code);
    if (missing.length)
      flags.push({
        code: 'INCOMPLETE',
        explanation: `${key === 'capital_required_gbp_m' ? 'Capital required' : 'Proposed savings'} not stated for ${missing.join(', ')}; the total covers the others only.`,
      });
  }
  const flagged = members.gaps
    .filter((g) => g.flags.length > 0)
    .map((g) => `${g.stp_code} (${[...new Set(g.flags.map((f) => f.code))].join(', ')})`);
  if (flagged.length)
    flags.push({
      code: 'MEMBER_FLAGS',
      explanation: `Member figure sets carry flags, summed as stated: ${flagged.join('; ')}.`,
    });
  return flags;
}

export type RankOrder = keyof typeof SUMMED_FIGURES | 'GAP_PER_HEAD';

export interface Ranked<G extends MemberFigures> {
  /** 1 = largest; ties share a rank. */
  readonly rank: number;
  /** The stated figure ranked on; for GAP_PER_HEAD, the stated combined gap the per-head figure comes from. */
  readonly valueGbpM: string;
  readonly gbpPerPerson: string | null;
  readonly gap: G;
}

/** Members ranked by a stated figure or the derived gap per head, largest first (ties by STP code); those without it are left out. */
export function rankMembers<G extends MemberFigures>(members: RegionMembers<G>, order: RankOrder): Ranked<G>[] {
  const withValue = members.gaps.flatMap((gap) => {
    const population = members.populations.get(gap.stp_code);
    const gbpPerPerson = gap.combined_gbp_m !== null && population ? perHead(gap.combined_gbp_m, population) : null;
    const stated = order === 'GAP_PER_HEAD' ? gap.combined_gbp_m : gap[SUMMED_FIGURES[order]];
    const ranked = order === 'GAP_PER_HEAD' ? gbpPerPerson : stated;
    return ranked === null || stated === null ? [] : [{ gap, valueGbpM: stated, gbpPerPerson, ranked }];
  });
  withValue.sort((a, b) => compare(b.ranked, a.ranked) || a.gap.stp_code.localeCompare(b.gap.stp_code));
  return withValue.map(({ ranked, ...r }) => ({
    ...r,
    rank: 1 + withValue.filter((o) => compare(o.ranked, ranked) > 0).length,
  }));
}

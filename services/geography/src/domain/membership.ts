import { type FlagShape, isWithin, todayIso } from '@nhs-hub/kit/subgraph';

/** Something valid from one day to another, both inclusive; a null bound is open. */
export interface Dated {
  readonly valid_from: string | null;
  readonly valid_to: string | null;
}

/**
 * The day a question without a date is about: today while the STP or region exists, its last day
 * once it has closed (so "latest" never answers about a day it did not exist).
 */
export function latestDay(validTo: string | null): string {
  return validTo ?? todayIso();
}

/** The periods that include a day, in their order. */
export function validOn<T extends Dated>(periods: readonly T[], day: string): T[] {
  return periods.filter((p) => isWithin(day, p.valid_from, p.valid_to));
}

/** The first period that includes a day, or null: an STP belongs to one region at a time. */
export function firstValidOn<T extends Dated>(periods: readonly T[], day: string): T | null {
  return periods.find((p) => isWithin(day, p.valid_from, p.valid_to)) ?? null;
}

export type IcsStatus = 'FIRST_WAVE' | 'SECOND_WAVE' | 'NONE';

/** An STP's ICS status as the tracker states it: the earliest wave of any ICS within it; null outside the tracker. */
export function icsStatusOf(inTracker: boolean, waves: readonly string[]): IcsStatus | null {
  if (!inTracker) return null;
  return waves.includes('FIRST_WAVE') ? 'FIRST_WAVE' : waves.includes('SECOND_WAVE') ? 'SECOND_WAVE' : 'NONE';
}

/** An inferred membership says so, with the rule that inferred it; a stated one carries no flag. */
export function membershipFlags(membership: {
  readonly basis: 'STATED' | 'INFERRED';
  readonly explanation: string;
}): FlagShape[] {
  return membership.basis === 'INFERRED' ? [{ code: 'INFERRED', explanation: membership.explanation }] : [];
}

/** A region's population on a day: DERIVED, the sum of its members' stated populations; null when none states one. */
export function populationOf(populations: readonly (number | null)[]): number | null {
  const known = populations.filter((p): p is number => p !== null);
  return known.length ? known.reduce((a, b) => a + b, 0) : null;
}

/** Member STPs (codes, in their order) that state no population, so a region's sum leaves them out. */
export function withoutPopulation(
  members: readonly { readonly stp_code: string; readonly population: number | null }[],
): string[] {
  return members.filter((m) => m.population === null).map((m) => m.stp_code);
}

import { add, compare, subtract } from './decimal.js';

/**
 * A figure as a source states it: its value and half the last unit it is written to, both exact
 * decimals in £ millions. "£641 M" is 641 +/- 0.5: any true figure from 640.5 to 641.5 is written so.
 */
export interface StatedFigure {
  readonly value: string;
  readonly halfUnit: string;
}

/** The closed range a stated figure stands for. */
export interface Interval {
  readonly low: string;
  readonly high: string;
}

export const intervalOf = (f: StatedFigure): Interval => ({
  low: subtract(f.value, f.halfUnit),
  high: add(f.value, f.halfUnit),
});

/** The sum of stated figures, standing for the sum of their ranges (their half-units add up). */
export function sumOf(figures: readonly StatedFigure[]): StatedFigure {
  return { value: add(...figures.map((f) => f.value)), halfUnit: add(...figures.map((f) => f.halfUnit)) };
}

/** Whether two ranges share a point; the bounds count, since a figure on a bound may be written either way. */
export function overlap(a: Interval, b: Interval): Interval | null {
  const low = compare(a.low, b.low) >= 0 ? a.low : b.low;
  const high = compare(a.high, b.high) <= 0 ? a.high : b.high;
  return compare(low, high) <= 0 ? { low, high } : null;
}

/**
 * How two stated figures that should agree compare. EXACT: the same value. ROUNDING: different
 * values whose ranges overlap, so rounding each to the precision it is stated to explains the
 * difference (341.66 + 57.7 stated as 399.3). CONTRADICTION: ranges apart, so no rounding can
 * (641 + 107 stated as 571).
 */
export type Agreement = 'EXACT' | 'ROUNDING' | 'CONTRADICTION';

export function agreement(a: StatedFigure, b: StatedFigure): Agreement {
  if (compare(a.value, b.value) === 0) return 'EXACT';
  return overlap(intervalOf(a), intervalOf(b)) ? 'ROUNDING' : 'CONTRADICTION';
}

/** "641 means 640.5-641.5": the range a figure stands for, for explanations. */
export function describeRange(label: string, f: StatedFigure): string {
  const { low, high } = intervalOf(f);
  return `${label} means ${low}-${high}`;
}

// Hedges that make a stated number an estimate. "average" is not one: it states a mean, not a guess.
const APPROXIMATE_HEDGES = new Set([
  '≈',
  '~',
  'about',
  'approximately',
  'around',
  'circa',
  'c.',
  'roughly',
  'nearly',
  'almost',
]);

/** True where the source hedges the value as an estimate ("≈", "about", "circa"); an average is not one. */
export function isApproximate(qualifier: string | null): boolean {
  return qualifier !== null && APPROXIMATE_HEDGES.has(qualifier.toLowerCase());
}

import type { NewPriority, NewPriorityProgramme } from '../db/types.js';
import { type MatchableText, matchProgrammes } from '../domain/rules.js';

/**
 * The words a priority offers to the programme rules: a focus its title and sub-points, a paper
 * priority its title and summary.
 */
export function matchableTexts(
  p: Pick<NewPriority, 'kind' | 'title' | 'summary'>,
  subPoints: readonly string[],
): MatchableText[] {
  if (p.kind === 'FOCUS')
    return [{ text: p.title, in: 'TITLE' }, ...subPoints.map((text) => ({ text, in: 'SUB_POINT' as const }))];
  return [{ text: p.title, in: 'TITLE' }, ...(p.summary ? [{ text: p.summary, in: 'SUMMARY' as const }] : [])];
}

/** Which national programmes each priority maps to, by rule (rules.ts), with the text that matched. */
export function matchPriorities(
  priorities: readonly Pick<NewPriority, 'id' | 'kind' | 'title' | 'summary'>[],
  subPointsOf: ReadonlyMap<string, readonly string[]>,
): NewPriorityProgramme[] {
  return priorities.flatMap((p) =>
    matchProgrammes(matchableTexts(p, subPointsOf.get(p.id) ?? [])).map((m) => ({
      priority_id: p.id,
      programme_code: m.programme,
      rule: m.rule,
      matched_text: m.matchedText,
      matched_in: m.matchedIn,
    })),
  );
}

/**
 * Keyword rules that put a priority under a national programme. Each rule is a regular expression
 * over the priority's own words; a priority can say which rule matched which words. A priority no
 * rule matches stays unmapped: nothing is forced into a programme.
 *
 * Which words are matched (see README "Programme rules"):
 * - a tracker focus: its title and its sub-points (they are part of the same bullet);
 * - a Lincolnshire paper priority or work stream: its heading title and its opening statement
 *   (summary), never its key-action bullets, which report progress rather than state the priority.
 */
export type ProgrammeCode =
  | 'URGENT_AND_EMERGENCY_CARE'
  | 'MENTAL_HEALTH'
  | 'CANCER'
  | 'LEARNING_DISABILITIES'
  | 'DIABETES'
  | 'PRIMARY_CARE'
  | 'PREVENTION'
  | 'NEW_CARE_MODELS'
  | 'RAPID_IMPROVEMENT_100_DAY'
  | 'TRANSFORMATION_FUNDING';

export interface ProgrammeRule {
  readonly programme: ProgrammeCode;
  readonly pattern: RegExp;
  /** Why the rule reads as it does. */
  readonly note: string;
}

export const PROGRAMME_RULES: readonly ProgrammeRule[] = [
  {
    programme: 'URGENT_AND_EMERGENCY_CARE',
    pattern: /urgent (?:and|&) (?:expert )?emergency|\burgent care\b|\bUEC\b|\bA&E\b/i,
    note: "'Urgent & Emergency care' and 'urgent and expert emergency care' are spelled so in the tracker; 'urgent care' counts because the planning letter names 'integrated urgent care services' (004 line 27).",
  },
  {
    programme: 'MENTAL_HEALTH',
    pattern: /mental health|\bmental and physical health\b/i,
    note: "'Improve child mental and physical health' (tracker line 1248) names mental health without the two words together.",
  },
  { programme: 'CANCER', pattern: /\bcancer\b/i, note: 'The word itself.' },
  {
    programme: 'LEARNING_DISABILITIES',
    pattern: /learning disabilit\w*/i,
    note: "'learning disability' and 'learning disabilities'.",
  },
  { programme: 'DIABETES', pattern: /\bdiabet\w*/i, note: "'diabetes' and 'diabetic'." },
  {
    programme: 'PRIMARY_CARE',
    pattern:
      /primary care|\bprimary, social and community care\b|\bprimary and community\b|GP Forward View|\bGPFV\b|general practice/i,
    note: "Also the tracker's 'primary, social and community care' and 'primary and community services', which name primary care within a list.",
  },
  { programme: 'PREVENTION', pattern: /\bprevent\w*/i, note: "'prevention', 'preventing', 'preventative'." },
  {
    programme: 'NEW_CARE_MODELS',
    pattern: /vanguard|new care models?\b|new models? of care/i,
    note: "The vanguards were the New Care Models programme (001 line 30); 'new model for primary care' is not matched.",
  },
  { programme: 'RAPID_IMPROVEMENT_100_DAY', pattern: /\b100[ -]day\b/i, note: "'100 day' and '100-day'." },
  {
    programme: 'TRANSFORMATION_FUNDING',
    pattern: /transformation fund|\bSTF\b/i,
    note: 'Named in considerations and financial notes; no focus or paper priority states it.',
  },
];

/** The rules that put priorities under a programme, as written (for a reader to check them). */
export function rulePatternsOf(programme: string): string[] {
  return PROGRAMME_RULES.filter((r) => r.programme === programme).map((r) => String(r.pattern));
}

export type MatchedIn = 'TITLE' | 'SUB_POINT' | 'SUMMARY';

export interface ProgrammeMatch {
  readonly programme: ProgrammeCode;
  /** The rule as written, e.g. "/\\bcancer\\b/i". */
  readonly rule: string;
  /** The words in the priority that the rule matched, verbatim. */
  readonly matchedText: string;
  readonly matchedIn: MatchedIn;
}

export interface MatchableText {
  readonly text: string;
  readonly in: MatchedIn;
}

/**
 * Every programme the texts fall under, at most once per programme (the first text, in the order
 * given, that matches decides the evidence), in the order of PROGRAMME_RULES.
 */
export function matchProgrammes(
  texts: readonly MatchableText[],
  rules: readonly ProgrammeRule[] = PROGRAMME_RULES,
): ProgrammeMatch[] {
  const matches: ProgrammeMatch[] = [];
  for (const rule of rules) {
    for (const { text, in: where } of texts) {
      const found = rule.pattern.exec(text);
      if (found) {
        matches.push({
          programme: rule.programme,
          rule: String(rule.pattern),
          matchedText: found[0],
          matchedIn: where,
        });
        break;
      }
    }
  }
  return matches;
}

/** Convenience for a bare title. */
export function programmesOfTitle(title: string): ProgrammeCode[] {
  return matchProgrammes([{ text: title, in: 'TITLE' }]).map((m) => m.programme);
}

/** What kind of body an organisation is, in the NHS's own categories. */
export const ORGANISATION_KINDS = [
  'CCG',
  'NHS_TRUST',
  'NHS_FOUNDATION_TRUST',
  'LOCAL_AUTHORITY',
  'NATIONAL_BODY',
  'OTHER',
] as const;
export type OrganisationKind = (typeof ORGANISATION_KINDS)[number];

export interface KindDecision {
  readonly kind: OrganisationKind;
  /** Code of the rule that fired, e.g. CCG_IN_NAME. */
  readonly rule: string;
  readonly explanation: string;
}

interface KindRule {
  readonly code: string;
  readonly kind: OrganisationKind;
  /** The part of the name that makes the rule fire, or null. */
  readonly match: (name: string) => string | null;
  readonly explain: (matched: string) => string;
}

/** Bodies that no suffix identifies: national bodies are known by name alone. */
export const NATIONAL_BODIES = [
  'NHS England',
  'NHS Improvement',
  'Department of Health',
  'Department of Health and Social Care',
] as const;

const pattern = (re: RegExp) => (name: string) => re.exec(name.trim())?.[0] ?? null;

/**
 * Tried in order; the first that fires decides. National bodies come first because their names
 * start with "NHS" like a trust's; CCGs before trusts because a CCG's name never ends in "Trust"
 * but could, in principle, mention one. Only the name as written is read, never outside knowledge,
 * so "Royal Devon and Exeter NHS Trust" is an NHS trust here whatever its later status.
 */
export const KIND_RULES: readonly KindRule[] = [
  {
    code: 'NATIONAL_BODY_NAME',
    kind: 'NATIONAL_BODY',
    match: (name) => NATIONAL_BODIES.find((n) => n.toLowerCase() === name.trim().toLowerCase()) ?? null,
    explain: (m) => `"${m}" is on the list of national bodies (${NATIONAL_BODIES.join(', ')}).`,
  },
  {
    code: 'CCG_IN_NAME',
    kind: 'CCG',
    match: pattern(/\bCCGs?\b|\bClinical Commissioning Group\b/i),
    explain: (m) => `The name contains "${m}": a clinical commissioning group.`,
  },
  {
    code: 'NHS_FOUNDATION_TRUST_SUFFIX',
    kind: 'NHS_FOUNDATION_TRUST',
    match: pattern(/\bNHS (?:FT|Foundation Trust)$/i),
    explain: (m) => `The name ends in "${m}": an NHS foundation trust.`,
  },
  {
    code: 'FOUNDATION_TRUST_SUFFIX',
    kind: 'NHS_FOUNDATION_TRUST',
    match: pattern(/\b(?:FT|Foundation Trust)$/),
    explain: (m) =>
      `The name ends in "${m}" without "NHS"; foundation trusts are NHS foundation trusts, so the name is read as one.`,
  },
  {
    code: 'NHS_TRUST_SUFFIX',
    kind: 'NHS_TRUST',
    match: pattern(/\bNHS Trust$/i),
    explain: (m) => `The name ends in "${m}": an NHS trust.`,
  },
  {
    code: 'COUNCIL_SUFFIX',
    kind: 'LOCAL_AUTHORITY',
    match: pattern(/\b(?:City|County|Borough|District)? ?Council$/i),
    explain: (m) => `The name ends in "${m.trim()}": a local authority.`,
  },
];

/** Which kind an organisation's name says it is, and which rule said so. */
export function organisationKind(name: string): KindDecision {
  for (const rule of KIND_RULES) {
    const matched = rule.match(name);
    if (matched) return { kind: rule.kind, rule: rule.code, explanation: rule.explain(matched) };
  }
  return {
    kind: 'OTHER',
    rule: 'NO_RULE',
    explanation: `No rule fired for "${name}": it is not a listed national body and its name has no CCG, trust or council marker.`,
  };
}

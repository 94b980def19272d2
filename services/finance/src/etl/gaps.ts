import type { DataProblem, FlagShape } from '@nhs-hub/kit/subgraph';
import { add, compare, equals, subtract } from '../domain/decimal.js';
import type { CheckShape, NewStpFinance } from '../db/types.js';
import { type FactKind, HORIZON, isGapKind, TRACKER } from '../domain/kinds.js';
import {
  type Agreement,
  agreement,
  describeRange,
  intervalOf,
  overlap,
  type StatedFigure,
  sumOf,
} from '../domain/stated.js';
import { type Fact, figureOf } from './facts.js';
import type { Section } from './sections.js';

const fmt = (amount: string) => `£${amount} M`;
const at = (f: Fact) => (f.document === TRACKER ? `line ${f.line}` : `${f.document} line ${f.line}`);
const quoted = (f: Fact) => `"${f.stated ?? ''}"`;

/**
 * Why two stated figures that differ still agree: the ranges their stated precision allows overlap.
 * Names each figure's range, the parts' summed range and where they meet.
 */
function roundingExplanation(parts: readonly Fact[], total: Fact): string {
  const figures = parts.map(figureOf).filter((f): f is StatedFigure => f !== null);
  const sum = sumOf(figures);
  const totalFigure = figureOf(total);
  const meet = totalFigure ? overlap(intervalOf(sum), intervalOf(totalFigure)) : null;
  const partRanges = parts.map((p, i) => describeRange(quoted(p), figures[i] ?? { value: '0', halfUnit: '0' }));
  const summed = parts.length > 1 ? `, so the parts sum to ${intervalOf(sum).low}-${intervalOf(sum).high}` : '';
  return (
    `As stated, ${partRanges.join(' and ')}${summed}; ${describeRange(quoted(total), totalFigure ?? { value: '0', halfUnit: '0' })}. ` +
    `The ranges overlap (${meet?.low}-${meet?.high}), so the difference is within the precision the figures are stated to: a rounding difference, not a contradiction.`
  );
}

/**
 * One figure set per tracker section: the headline figures, the arithmetic checks run on them
 * (kept whether they hold or not) and the flags they raise. Stated figures are compared at the
 * precision they are stated to (stated.ts): a difference rounding explains is ROUNDING_DIFFERENCE,
 * only one it cannot is SUM_MISMATCH or SAVINGS_EXCEED_GAP. Also flags DUPLICATED_FIGURE on facts
 * that repeat a gap part of their own section. Figures are never corrected.
 */
export function deriveGaps(
  sections: ReadonlyMap<string, Section>,
  facts: readonly Fact[],
  factsFile: string,
  problems: DataProblem[],
): NewStpFinance[] {
  const stps: NewStpFinance[] = [];
  const flagsOf = new Map<string, FlagShape[]>();
  for (const [code, s] of sections) {
    const mine = facts.filter((f) => f.stp === code);
    const one = (kind: FactKind): Fact | null => {
      const found = mine.filter((f) => f.kind === kind);
      if (found.length > 1)
        problems.push({
          file: factsFile,
          line: 1,
          reason: `${code} has ${found.length} ${kind} rows (lines ${found.map((f) => f.line).join(', ')}); at most one`,
        });
      return found[0] ?? null;
    };
    const healthcare = one('HEALTHCARE_GAP');
    const social = one('SOCIAL_CARE_GAP');
    const combined = one('COMBINED_GAP');
    const savings = one('PROPOSED_SAVINGS');
    const capital = one('CAPITAL_REQUIRED');
    if (!combined) problems.push({ file: factsFile, line: 1, reason: `${code} (${s.name}) has no COMBINED_GAP row` });
    const flags: FlagShape[] = [];
    const checks: CheckShape[] = [];

    const provider = mine.find((f) => f.kind === 'PROVIDER_GAP') ?? null;
    const commissioner = mine.find((f) => f.kind === 'COMMISSIONER_GAP') ?? null;
    for (const result of [
      partsCheck(healthcare, social, combined),
      savingsCheck(savings, combined),
      splitCheck(provider, commissioner, combined),
    ]) {
      if (!result) continue;
      checks.push(result.check);
      if (result.flag) flags.push(result.flag);
    }
    for (const f of [healthcare, social, combined, savings, capital]) {
      for (const flag of f?.flags ?? [])
        flags.push({ code: flag.code, explanation: `${f?.kind}: ${flag.explanation}` });
    }
    flagsOf.set(code, flags);
    stps.push({
      stp_code: code,
      tracker_name: s.name,
      heading_line: s.heading,
      heading_text: s.headingText,
      horizon: HORIZON,
      healthcare_gbp_m: healthcare?.amount ?? null,
      social_care_gbp_m: social?.amount ?? null,
      combined_gbp_m: combined?.amount ?? null,
      proposed_savings_gbp_m: savings?.amount ?? null,
      capital_required_gbp_m: capital?.amount ?? null,
      flags: '[]',
      checks: JSON.stringify(checks),
    });
  }

  for (const { fact, flag } of duplicatedFigures(sections, facts)) {
    fact.derivedFlags.push(flag);
    flagsOf.get(fact.stp)?.push(flag);
  }
  for (const stp of stps) stp.flags = JSON.stringify(flagsOf.get(stp.stp_code) ?? []);
  return stps;
}

/** A check run on a figure set, and the flag it raises (failures, and agreement only within rounding). */
type Checked = { check: CheckShape; flag: FlagShape | null } | null;

/** PARTS_SUM_TO_COMBINED: healthcare + social care against the stated combined gap. */
function partsCheck(healthcare: Fact | null, social: Fact | null, combined: Fact | null): Checked {
  if (!healthcare?.amount || !social?.amount || !combined?.amount) return null;
  const sum = add(healthcare.amount, social.amount);
  const parts = `Healthcare ${fmt(healthcare.amount)} (${at(healthcare)}) + social care ${fmt(social.amount)} (${at(social)}) = ${fmt(sum)}`;
  const found = sumAgreement([healthcare, social], combined);
  if (found === 'ROUNDING') {
    const explanation = `${parts}; the stated combined gap is ${fmt(combined.amount)} (${quoted(combined)}, ${at(combined)}), ${fmt(subtract(sum, combined.amount).replace(/^-/, ''))} apart. ${roundingExplanation([healthcare, social], combined)} The stated figures are kept as written.`;
    return {
      check: { code: 'PARTS_SUM_TO_COMBINED', holds: true, explanation },
      flag: { code: 'ROUNDING_DIFFERENCE', explanation },
    };
  }
  const holds = found === 'EXACT';
  const explanation = `${parts}, ${holds ? 'which is' : 'which is not'} the stated combined gap ${fmt(combined.amount)} (${quoted(combined)}, ${at(combined)}).${holds ? '' : ' The stated figures are kept as written.'}`;
  return {
    check: { code: 'PARTS_SUM_TO_COMBINED', holds, explanation },
    flag: holds ? null : { code: 'SUM_MISMATCH', explanation },
  };
}

/** SAVINGS_WITHIN_GAP: proposed savings should not exceed the combined gap, beyond the figures' precision. */
function savingsCheck(savings: Fact | null, combined: Fact | null): Checked {
  if (!savings?.amount || !combined?.amount) return null;
  const within = compare(savings.amount, combined.amount) <= 0;
  const savingsFigure = figureOf(savings);
  const combinedFigure = figureOf(combined);
  if (!within && savingsFigure && combinedFigure && agreement(savingsFigure, combinedFigure) === 'ROUNDING') {
    const explanation = `Proposed savings ${fmt(savings.amount)} (${quoted(savings)}, ${at(savings)}) exceed the combined gap ${fmt(combined.amount)} (${quoted(combined)}, ${at(combined)}) by ${fmt(subtract(savings.amount, combined.amount))}. ${roundingExplanation([savings], combined)}`;
    return {
      check: { code: 'SAVINGS_WITHIN_GAP', holds: true, explanation },
      flag: { code: 'ROUNDING_DIFFERENCE', explanation },
    };
  }
  const explanation = `Proposed savings ${fmt(savings.amount)} (${quoted(savings)}, ${at(savings)}) ${within ? 'do not exceed' : 'exceed'} the combined gap ${fmt(combined.amount)} (${quoted(combined)}, ${at(combined)}).`;
  return {
    check: { code: 'SAVINGS_WITHIN_GAP', holds: within, explanation },
    flag: within ? null : { code: 'SAVINGS_EXCEED_GAP', explanation },
  };
}

/** PROVIDER_COMMISSIONER_SPLIT_SUMS_TO_COMBINED: a stated provider/commissioner split against the combined gap. */
function splitCheck(provider: Fact | null, commissioner: Fact | null, combined: Fact | null): Checked {
  if (!provider?.amount || !commissioner?.amount || !combined?.amount) return null;
  const sum = add(provider.amount, commissioner.amount);
  const parts = `Provider ${fmt(provider.amount)} + commissioner ${fmt(commissioner.amount)} (${quoted(provider)}, ${at(provider)}) = ${fmt(sum)}`;
  const found = sumAgreement([provider, commissioner], combined);
  if (found === 'ROUNDING') {
    const explanation = `${parts}; the combined gap is ${fmt(combined.amount)} (${at(combined)}). ${roundingExplanation([provider, commissioner], combined)}`;
    return {
      check: { code: 'PROVIDER_COMMISSIONER_SPLIT_SUMS_TO_COMBINED', holds: true, explanation },
      flag: { code: 'ROUNDING_DIFFERENCE', explanation },
    };
  }
  const holds = found === 'EXACT';
  const explanation = `${parts}, ${holds ? 'consistent with' : 'not'} the combined gap ${fmt(combined.amount)} (${at(combined)}).`;
  return {
    check: { code: 'PROVIDER_COMMISSIONER_SPLIT_SUMS_TO_COMBINED', holds, explanation },
    flag: holds ? null : { code: 'SUM_MISMATCH', explanation },
  };
}

/**
 * Parts against a stated total, each at its stated precision; EXACT when the values are equal.
 * Equal values agree whatever their precision, so they are compared first: a figure whose precision
 * is not known (no half-unit) can only be told apart from rounding when the values differ.
 */
function sumAgreement(parts: readonly Fact[], total: Fact): Agreement {
  const amounts = parts.map((p) => p.amount);
  if (total.amount !== null && amounts.every((a) => a !== null) && equals(add(...amounts), total.amount))
    return 'EXACT';
  const figures = parts.map(figureOf);
  const totalFigure = figureOf(total);
  if (!totalFigure || figures.some((f) => f === null)) return 'CONTRADICTION';
  return agreement(sumOf(figures.filter((f): f is StatedFigure => f !== null)), totalFigure);
}

/** DUPLICATED_FIGURE: a line other than the gap lines that repeats a gap part of its own section. */
function duplicatedFigures(
  sections: ReadonlyMap<string, Section>,
  facts: readonly Fact[],
): { fact: Fact; flag: FlagShape }[] {
  const found: { fact: Fact; flag: FlagShape }[] = [];
  const gapParts = facts.filter((f) => isGapKind(f.kind) && f.amount !== null);
  for (const f of facts) {
    if (!f.amount || isGapKind(f.kind) || f.document !== TRACKER) continue;
    const amount = f.amount;
    const same = gapParts.filter((g) => g.stp === f.stp && equals(g.amount ?? '', amount));
    if (same.length === 0) continue;
    const elsewhere = gapParts.filter(
      (g) => g.stp !== f.stp && g.kind === same[0]?.kind && equals(g.amount ?? '', amount),
    );
    const combined = gapParts.find((g) => g.stp === f.stp && g.kind === 'COMBINED_GAP');
    const social = gapParts.find((g) => g.stp === f.stp && g.kind === 'SOCIAL_CARE_GAP');
    let explanation = `"${f.stated}" (${f.kind}, ${at(f)}) equals the section's own ${same.map((g) => `${g.kind} ${fmt(g.amount ?? '')} (${at(g)})`).join(' and ')}`;
    if (elsewhere.length)
      explanation += `, and the ${elsewhere.map((g) => `${g.kind} of ${sections.get(g.stp)?.name ?? g.stp} (${at(g)})`).join(', ')}`;
    explanation += '; the same figure is possibly carried over rather than stated independently.';
    if (f.kind === 'NET_GAP_AFTER_SAVINGS' && combined?.amount) {
      const implied = subtract(combined.amount, amount);
      explanation += ` Combined ${fmt(combined.amount)} - ${fmt(amount)} implies savings of ${fmt(implied)}${social?.amount && equals(social.amount, implied) ? `, exactly the social care gap (${at(social)})` : ''}.`;
    }
    explanation += ' Kept as stated.';
    found.push({ fact: f, flag: { code: 'DUPLICATED_FIGURE', explanation } });
  }
  return found;
}

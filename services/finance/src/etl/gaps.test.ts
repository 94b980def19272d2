import type { DataProblem, FlagShape } from '@nhs-hub/kit/subgraph';
import { describe, expect, it } from 'vitest';
import type { CheckShape, NewStpFinance } from '../db/types.js';
import { TRACKER } from '../domain/kinds.js';
import { type Fact, readFacts } from './facts.js';
import { FINANCE_DATA_DIR } from './files.js';
import { deriveGaps } from './gaps.js';
import { readSections } from './sections.js';

const problems: DataProblem[] = [];
const sections = readSections(FINANCE_DATA_DIR, problems);
const facts = readFacts(FINANCE_DATA_DIR, sections, problems);
const gaps = deriveGaps(sections, facts, 'financial-facts.csv', problems);
const gap = (code: string) => {
  const row = gaps.find((g) => g.stp_code === code) as NewStpFinance;
  return { ...row, flags: JSON.parse(row.flags) as FlagShape[], checks: JSON.parse(row.checks) as CheckShape[] };
};

/** A section of two parts and a stated total, as if the tracker wrote them, to test one comparison. */
function figureSet(
  healthcare: [string, string, string],
  social: [string, string, string],
  combined: [string, string, string],
) {
  const fact = (kind: Fact['kind'], line: number, [stated, amount, halfUnit]: [string, string, string]): Fact => ({
    stp: 'QXX',
    kind,
    document: TRACKER,
    line,
    text: stated,
    stated,
    amount,
    halfUnit,
    flags: [],
  });
  const local: DataProblem[] = [];
  const section = new Map([['QXX', { name: 'Test', heading: 1, headingText: 'TEST', gapLine: 2, end: 9 }]]);
  const [row] = deriveGaps(
    section,
    [fact('HEALTHCARE_GAP', 2, healthcare), fact('SOCIAL_CARE_GAP', 3, social), fact('COMBINED_GAP', 4, combined)],
    'test.csv',
    local,
  );
  expect(local).toEqual([]);
  return (JSON.parse(row?.flags ?? '[]') as FlagShape[]).map((f) => f.code);
}

describe('figure sets, checks and flags', () => {
  it('derives from the real data without problems, one set per section', () => {
    expect(problems).toEqual([]);
    expect(gaps).toHaveLength(44);
  });

  it("keeps Lincolnshire's figures and checks its provider/commissioner split", () => {
    expect(gap('QJM')).toMatchObject({
      combined_gbp_m: '182',
      capital_required_gbp_m: '205',
      healthcare_gbp_m: null,
      heading_line: 817,
      horizon: '2020/21',
      flags: [],
    });
    expect(gap('QJM').checks).toEqual([
      {
        code: 'PROVIDER_COMMISSIONER_SPLIT_SUMS_TO_COMBINED',
        holds: true,
        explanation:
          'Provider £85 M + commissioner £97 M ("£85/£97M", line 843) = £182 M, consistent with the combined gap £182 M (line 841).',
      },
    ]);
  });

  it('flags South Yorkshire and Bassetlaw (641 + 107 stated as 571) as a contradiction', () => {
    expect(gap('QF7').flags).toEqual([
      {
        code: 'SUM_MISMATCH',
        explanation:
          'Healthcare £641 M (line 533) + social care £107 M (line 537) = £748 M, which is not the stated combined gap £571 M ("£571 M", line 541). The stated figures are kept as written.',
      },
    ]);
    expect(gap('QF7').checks.find((c) => c.code === 'PARTS_SUM_TO_COMBINED')?.holds).toBe(false);
  });

  it('flags Leicester, Leicestershire and Rutland (341.66 + 57.7 stated as 399.3) as rounding, naming the ranges', () => {
    const llr = gap('QK1');
    expect(llr.flags.map((f) => f.code)).toEqual(['ROUNDING_DIFFERENCE']);
    expect(llr.flags[0]?.explanation).toContain(
      '"£341.66 M" means 341.655-341.665 and "£57.7 M" means 57.65-57.75, so the parts sum to 399.305-399.415; "£399.3 M" means 399.25-399.35',
    );
    expect(llr.checks.find((c) => c.code === 'PARTS_SUM_TO_COMBINED')).toEqual({
      code: 'PARTS_SUM_TO_COMBINED',
      holds: true,
      explanation: llr.flags[0]?.explanation,
    });
  });

  it('lists exactly the contradictions and the rounding differences of the tracker', () => {
    const withFlag = (code: string) =>
      gaps
        .filter((g) => (JSON.parse(g.flags) as FlagShape[]).some((f) => f.code === code))
        .map((g) => g.stp_code)
        .sort();
    expect(withFlag('SUM_MISMATCH')).toEqual(['QF7', 'QM7', 'QWO']);
    expect(withFlag('ROUNDING_DIFFERENCE')).toEqual(['QK1', 'QMM', 'QNX']);
    expect(withFlag('SAVINGS_EXCEED_GAP')).toEqual(['QKS', 'QMK', 'QOC', 'QPM', 'QWO']);
  });

  it('draws the line between rounding and contradiction at the combined half-units', () => {
    // 10 + 20 (29-31) against 31 (30.5-31.5): overlap; against 31.5 (31.45-31.55): none
    expect(figureSet(['£10 M', '10', '0.5'], ['£20 M', '20', '0.5'], ['£31 M', '31', '0.5'])).toEqual([
      'ROUNDING_DIFFERENCE',
    ]);
    expect(figureSet(['£10 M', '10', '0.5'], ['£20 M', '20', '0.5'], ['£31.5 M', '31.5', '0.05'])).toEqual([
      'SUM_MISMATCH',
    ]);
    // touching: 10.5 + 20 (29.95-31.05) against 31.1 (31.05-31.15); one hundredth further is apart
    expect(figureSet(['£10.5 M', '10.5', '0.05'], ['£20 M', '20', '0.5'], ['£31.1 M', '31.1', '0.05'])).toEqual([
      'ROUNDING_DIFFERENCE',
    ]);
    expect(figureSet(['£10.5 M', '10.5', '0.05'], ['£20 M', '20', '0.5'], ['£31.11 M', '31.11', '0.005'])).toEqual([
      'SUM_MISMATCH',
    ]);
    expect(figureSet(['£10 M', '10', '0.5'], ['£20 M', '20', '0.5'], ['£30 M', '30', '0.5'])).toEqual([]);
  });

  it("flags a figure repeated from its own section's gap", () => {
    const ntw = gap('QVP');
    expect(ntw.flags.map((f) => f.code)).toEqual(['DUPLICATED_FIGURE']);
    const fact = facts.find((f) => f.stp === 'QVP' && f.kind === 'NET_GAP_AFTER_SAVINGS');
    expect(fact).toMatchObject({ line: 462, amount: '641' });
    expect(fact?.flags[0]?.explanation).toContain('HEALTHCARE_GAP £641 M (line 452)');
    expect(fact?.flags[0]?.explanation).toContain('South Yorkshire and Bassetlaw (line 533)');
  });
});

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

/** A figure as the tracker would write it: the text, its amount in £ M and its half-unit (null: not known). */
type Written = [stated: string, amount: string, halfUnit: string | null];

/** One section holding the given figures, one line each, as if the tracker wrote them: its flags' codes. */
function flagsFor(figures: readonly [Fact['kind'], Written][]): string[] {
  const facts = figures.map(
    ([kind, [stated, amount, halfUnit]], i): Fact => ({
      stp: 'QXX',
      kind,
      figureNumber: 1,
      part: null,
      document: TRACKER,
      line: i + 2,
      text: stated,
      stated,
      amount,
      halfUnit,
      flags: [],
      derivedFlags: [],
    }),
  );
  const local: DataProblem[] = [];
  const section = new Map([['QXX', { name: 'Test', heading: 1, headingText: 'TEST', gapLine: 2, end: 9 }]]);
  const [row] = deriveGaps(section, facts, 'test.csv', local);
  expect(local).toEqual([]);
  return (JSON.parse(row?.flags ?? '[]') as FlagShape[]).map((f) => f.code);
}

/** Two parts and a stated total, to test the parts sum on its own. */
const figureSet = (healthcare: Written, social: Written, combined: Written) =>
  flagsFor([
    ['HEALTHCARE_GAP', healthcare],
    ['SOCIAL_CARE_GAP', social],
    ['COMBINED_GAP', combined],
  ]);

/** Proposed savings against a stated combined gap, to test the savings check on its own. */
const savingsAgainst = (savings: Written, combined: Written) =>
  flagsFor([
    ['COMBINED_GAP', combined],
    ['PROPOSED_SAVINGS', savings],
  ]);

/** A provider/commissioner split against a stated combined gap, to test the split check on its own. */
const splitOf = (provider: Written, commissioner: Written, combined: Written) =>
  flagsFor([
    ['COMBINED_GAP', combined],
    ['PROVIDER_GAP', provider],
    ['COMMISSIONER_GAP', commissioner],
  ]);

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

  it("treats equal values as agreeing even where a figure's precision is not known", () => {
    // no half-unit on the combined gap: equal values still hold, different ones cannot be called rounding
    expect(figureSet(['£10 M', '10', '0.5'], ['£20 M', '20', '0.5'], ['£30 M', '30', null])).toEqual([]);
    expect(figureSet(['£10 M', '10', null], ['£20 M', '20', '0.5'], ['£30 M', '30', '0.5'])).toEqual([]);
    expect(figureSet(['£10 M', '10', '0.5'], ['£20 M', '20', '0.5'], ['£31 M', '31', null])).toEqual(['SUM_MISMATCH']);
    expect(splitOf(['£10 M', '10', null], ['£20 M', '20', null], ['£30 M', '30', null])).toEqual([]);
    expect(splitOf(['£10 M', '10', null], ['£20 M', '20', '0.5'], ['£31 M', '31', '0.5'])).toEqual(['SUM_MISMATCH']);
  });

  it('draws the line between savings within the gap by rounding and savings exceeding it at the half-units', () => {
    // a combined gap of 100 stands for 99.5-100.5
    expect(savingsAgainst(['£99 M', '99', '0.5'], ['£100 M', '100', '0.5'])).toEqual([]);
    // savings equal to the gap are within it; the repeated figure is flagged for what it is
    expect(savingsAgainst(['£100 M', '100', '0.5'], ['£100 M', '100', '0.5'])).toEqual(['DUPLICATED_FIGURE']);
    // 101 (100.5-101.5) touches it at 100.5: inside; 100.9 (100.85-100.95) is apart: outside
    expect(savingsAgainst(['£101 M', '101', '0.5'], ['£100 M', '100', '0.5'])).toEqual(['ROUNDING_DIFFERENCE']);
    expect(savingsAgainst(['£100.9 M', '100.9', '0.05'], ['£100 M', '100', '0.5'])).toEqual(['SAVINGS_EXCEED_GAP']);
    // stated to one decimal, 100.5 (100.45-100.55) overlaps 99.5-100.5; 100.56 (100.555-100.565) does not
    expect(savingsAgainst(['£100.5 M', '100.5', '0.05'], ['£100 M', '100', '0.5'])).toEqual(['ROUNDING_DIFFERENCE']);
    expect(savingsAgainst(['£100.56 M', '100.56', '0.005'], ['£100 M', '100', '0.5'])).toEqual(['SAVINGS_EXCEED_GAP']);
    // where the precision of either is not known, savings above the gap exceed it
    expect(savingsAgainst(['£101 M', '101', null], ['£100 M', '100', '0.5'])).toEqual(['SAVINGS_EXCEED_GAP']);
  });

  it('draws the line between rounding and contradiction in a provider/commissioner split at the half-units', () => {
    // 85 + 97 (181-183) against 183 (182.5-183.5): overlap; against 183.5 (183.45-183.55): none
    expect(splitOf(['£85 M', '85', '0.5'], ['£97 M', '97', '0.5'], ['£182 M', '182', '0.5'])).toEqual([]);
    expect(splitOf(['£85 M', '85', '0.5'], ['£97 M', '97', '0.5'], ['£183 M', '183', '0.5'])).toEqual([
      'ROUNDING_DIFFERENCE',
    ]);
    expect(splitOf(['£85 M', '85', '0.5'], ['£97 M', '97', '0.5'], ['£183.5 M', '183.5', '0.05'])).toEqual([
      'SUM_MISMATCH',
    ]);
    // touching: 85.5 + 97 (181.95-183.05) against 183.1 (183.05-183.15); one hundredth further is apart
    expect(splitOf(['£85.5 M', '85.5', '0.05'], ['£97 M', '97', '0.5'], ['£183.1 M', '183.1', '0.05'])).toEqual([
      'ROUNDING_DIFFERENCE',
    ]);
    expect(splitOf(['£85.5 M', '85.5', '0.05'], ['£97 M', '97', '0.5'], ['£183.11 M', '183.11', '0.005'])).toEqual([
      'SUM_MISMATCH',
    ]);
    // and from below: 181.9 (181.85-181.95) touches 181.95; 181.89 does not
    expect(splitOf(['£85.5 M', '85.5', '0.05'], ['£97 M', '97', '0.5'], ['£181.9 M', '181.9', '0.05'])).toEqual([
      'ROUNDING_DIFFERENCE',
    ]);
    expect(splitOf(['£85.5 M', '85.5', '0.05'], ['£97 M', '97', '0.5'], ['£181.89 M', '181.89', '0.005'])).toEqual([
      'SUM_MISMATCH',
    ]);
  });

  it("flags a figure repeated from its own section's gap", () => {
    const ntw = gap('QVP');
    expect(ntw.flags.map((f) => f.code)).toEqual(['DUPLICATED_FIGURE']);
    const fact = facts.find((f) => f.stp === 'QVP' && f.kind === 'NET_GAP_AFTER_SAVINGS');
    expect(fact).toMatchObject({ line: 462, amount: '641' });
    expect(fact?.derivedFlags[0]?.explanation).toContain('HEALTHCARE_GAP £641 M (line 452)');
    expect(fact?.derivedFlags[0]?.explanation).toContain('South Yorkshire and Bassetlaw (line 533)');
  });
});

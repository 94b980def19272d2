import type { FlagShape } from '@nhs-hub/kit/subgraph';
import { describe, expect, it } from 'vitest';
import { buildFinanceRows } from '../etl/index.js';
import {
  countWithoutGap,
  gapPerHead,
  type MemberFigures,
  membersWithGap,
  membersWithoutGap,
  perHead,
  type RegionMembers,
  rankMembers,
  regionGapPerHead,
  summaryFlags,
  total,
} from './region-summary.js';

/** Every STP's stated figures as the seed step reads them from the data files. */
const FIGURES = new Map<string, MemberFigures>(
  buildFinanceRows().stps.map((row) => [
    row.stp_code,
    {
      stp_code: row.stp_code,
      combined_gbp_m: row.combined_gbp_m ?? null,
      capital_required_gbp_m: row.capital_required_gbp_m ?? null,
      proposed_savings_gbp_m: row.proposed_savings_gbp_m ?? null,
      flags: JSON.parse(String(row.flags)) as FlagShape[],
    },
  ]),
);

/** Midlands (Y60) from April 2019, as geography lists its members. */
const MIDLANDS = ['QGH', 'QHL', 'QJ2', 'QJM', 'QK1', 'QNC', 'QOC', 'QPM', 'QT1', 'QUA', 'QWU'];

function region(stpCodes: string[], populations: Record<string, number | null> = {}): RegionMembers {
  const known = stpCodes.map((code) => populations[code] ?? null);
  return {
    stpCodes,
    population: known.some((p) => p !== null) ? known.reduce<number>((a, b) => a + (b ?? 0), 0) : null,
    populationIsComplete: known.every((p) => p !== null),
    gaps: stpCodes.flatMap((code) => FIGURES.get(code) ?? []),
    populations: new Map(stpCodes.map((code) => [code, populations[code] ?? null])),
  };
}

describe('gap per head', () => {
  it("derives Lincolnshire's £260 a head from its stated £182 M and the tracker's 700K (line 819)", () => {
    expect(perHead('182', 700_000)).toBe('260');
    expect(gapPerHead('QJM', '182', 700_000)).toEqual({
      stpCode: 'QJM',
      gbpPerPerson: '260',
      combinedGapGbpM: '182',
      population: 700_000,
      formula: '182 x 1000000 / 700000 = 260 GBP per person (DERIVED)',
    });
  });

  it('rounds half-up to pence, and derives nothing without a gap or a population', () => {
    // Shropshire and Telford and Wrekin: £131 M over 470K (tracker line 749) is £278.7234...
    expect(perHead('131', 470_000)).toBe('278.72');
    expect(gapPerHead('QJM', null, 700_000)).toBeNull();
    expect(gapPerHead('QJM', '182', null)).toBeNull();
    expect(gapPerHead('QJM', '182', 0)).toBeNull();
  });
});

describe('a region summed over its member STPs', () => {
  it('totals Midlands exactly and says which members each total leaves out', () => {
    const midlands = region(MIDLANDS);
    expect(total(midlands, 'combined_gbp_m')).toBe('4516.3');
    expect(total(midlands, 'capital_required_gbp_m')).toBe('1205.5');
    expect(membersWithGap(midlands)).toBe(11);
    expect(countWithoutGap(midlands)).toBe(0);
    expect(membersWithoutGap(midlands)).toEqual([]);
    const flags = summaryFlags(midlands);
    expect(flags).toContainEqual({
      code: 'INCOMPLETE',
      explanation: 'Capital required not stated for QHL, QPM; the total covers the others only.',
    });
    expect(flags.find((f) => f.code === 'MEMBER_FLAGS')?.explanation).toContain('QOC (SAVINGS_EXCEED_GAP)');
    // No populations given: no per-head figure, and a flag saying why.
    expect(regionGapPerHead(midlands)).toBeNull();
    expect(flags.map((f) => f.explanation)).toContain(
      'Some member STPs have no stated population (geography: populationIsComplete false), so no per-head figure is derived.',
    );
  });

  it('leaves out a member the tracker does not cover (QHM, formed after it) and derives no per-head gap', () => {
    const north = region(['QHM', 'QJM'], { QJM: 700_000 });
    expect(membersWithoutGap(north)).toEqual(['QHM']);
    expect(countWithoutGap(north)).toBe(1);
    expect(total(north, 'combined_gbp_m')).toBe('182');
    expect(regionGapPerHead(north)).toBeNull();
    expect(summaryFlags(north)[0]).toEqual({
      code: 'INCOMPLETE',
      explanation: 'No stated combined gap for QHM: the total covers 1 of 2 member STPs.',
    });
    expect(regionGapPerHead(region(['QJM'], { QJM: 700_000 }))).toBe('260');
  });
});

describe('rankings', () => {
  it('ranks by a stated figure, largest first, leaving out members that do not state it', () => {
    const ranked = rankMembers(region(MIDLANDS), 'COMBINED_GAP');
    expect(ranked.map((r) => [r.rank, r.gap.stp_code, r.valueGbpM])[0]).toEqual([1, 'QHL', '712']);
    expect(ranked.at(-1)).toMatchObject({ rank: 11, valueGbpM: '131', gap: { stp_code: 'QOC' } });
    const capital = rankMembers(region(MIDLANDS), 'CAPITAL_REQUIRED');
    expect(capital).toHaveLength(9);
    expect(capital.map((r) => r.gap.stp_code)).not.toContain('QHL');
  });

  it('gives ties one rank and orders them by code (South Yorkshire and Bassetlaw and Mid and South Essex both state £571 M)', () => {
    const ranked = rankMembers(region(['QJM', 'QH8', 'QF7']), 'COMBINED_GAP');
    expect(ranked.map((r) => [r.rank, r.gap.stp_code])).toEqual([
      [1, 'QF7'],
      [1, 'QH8'],
      [3, 'QJM'],
    ]);
  });

  it('ranks by the derived gap per head where a population is known, showing the stated gap it comes from', () => {
    // Populations as the tracker states them: 700K (line 819), 470K (749), 1.1M (926); QK1's is left out.
    const members = region(['QJM', 'QOC', 'QHL', 'QK1'], { QJM: 700_000, QOC: 470_000, QHL: 1_100_000 });
    expect(
      rankMembers(members, 'GAP_PER_HEAD').map((r) => [r.rank, r.gap.stp_code, r.gbpPerPerson, r.valueGbpM]),
    ).toEqual([
      [1, 'QHL', '647.27', '712'],
      [2, 'QOC', '278.72', '131'],
      [3, 'QJM', '260', '182'],
    ]);
  });
});

import { citationOf, type FlagShape, HubScope, requireScope } from '@nhs-hub/kit/subgraph';
import { builder } from '../builder.js';
import { add, compare } from '../domain/decimal.js';
import type { RegionFact, StpFinance } from '../db/types.js';
import { FinancialGapRef } from './finance.js';
import { financeByStp, regionFactsByRegion } from './loaders.js';
import { RegionRef, RegionSnapshotRef, StpRef } from './refs.js';
import { perHead } from './stp.js';

const RegionFactRef = builder.objectRef<RegionFact>('RegionFact').implement({
  description:
    "A figure Annex A of the 9 May 2018 letter STATES for a proposed region (not derived by the hub). The proposed footprints differ from today's regions: see flags.",
  fields: (t) => ({
    label: t.exposeString('label', {
      description: 'Verbatim row label, e.g. "Total 16/17 Provider Turnover (£M)".',
    }),
    value: t.field({ type: 'Decimal', resolve: (f) => f.value }),
    valueAsStated: t.exposeString('value_as_stated'),
    unit: t.exposeString('unit', { description: '"million people", "count" or "GBP million".' }),
    proposedRegionName: t.exposeString('proposed_region_name', {
      description: '"Central & East" or "Midlands", as Annex A names it.',
    }),
    source: t.field({
      type: 'Source',
      resolve: (f) => citationOf(f),
    }),
    flags: t.field({ type: ['Flag'], resolve: (f) => f.flags }),
  }),
});

RegionRef.implement({
  fields: (t) => ({
    code: t.exposeID('code'),
    statedFacts: t.field({
      type: [RegionFactRef],
      listSize: { assumedSize: 12 },
      description:
        'Annex A key facts stated for the proposed region this region grew from (Midlands Y60, East of England Y61); empty for other regions.',
      resolve: (region, _, ctx) => regionFactsByRegion(ctx).load(region.code.toUpperCase()),
    }),
  }),
});

const RankOrderEnum = builder.enumType('RegionFinanceRankOrder', {
  values: ['COMBINED_GAP', 'CAPITAL_REQUIRED', 'PROPOSED_SAVINGS', 'GAP_PER_HEAD'] as const,
});

interface Ranked {
  rank: number;
  valueGbpM: string;
  gbpPerPerson: string | null;
  gap: StpFinance;
}

const RankedRef = builder.objectRef<Ranked>('RegionFinanceRank').implement({
  description:
    "A member STP's place within its region by a stated figure or the derived gap per head (1 = largest; ties share a rank).",
  fields: (t) => ({
    rank: t.exposeInt('rank'),
    stpCode: t.id({ resolve: (r) => r.gap.stp_code }),
    valueGbpM: t.field({
      type: 'Decimal',
      description:
        'The stated figure ranked on (£M); for GAP_PER_HEAD, the stated combined gap the per-head figure comes from.',
      resolve: (r) => r.valueGbpM,
    }),
    gbpPerPerson: t.field({
      type: 'Decimal',
      nullable: true,
      description:
        "DERIVED: the STP's stated combined gap x 1,000,000 / its population (geography), £ per person; null without either.",
      resolve: (r) => r.gbpPerPerson,
    }),
    financialGap: t.field({ type: FinancialGapRef, resolve: (r) => r.gap }),
  }),
});

interface Summary {
  stpCodes: string[];
  population: number | null;
  populationIsComplete: boolean;
  gaps: StpFinance[];
  /** Each member's population as geography holds it (through @requires), for per-head figures. */
  populations: ReadonlyMap<string, number | null>;
}

const gapPerHead = (s: Summary, gap: StpFinance): string | null => {
  const population = s.populations.get(gap.stp_code);
  return gap.combined_gbp_m !== null && population ? perHead(gap.combined_gbp_m, population) : null;
};

const column = {
  COMBINED_GAP: 'combined_gbp_m',
  CAPITAL_REQUIRED: 'capital_required_gbp_m',
  PROPOSED_SAVINGS: 'proposed_savings_gbp_m',
} as const;

function total(gaps: StpFinance[], key: (typeof column)[keyof typeof column]): string | null {
  const values = gaps.map((g) => g[key]).filter((v): v is string => v !== null);
  return values.length ? add(...values) : null;
}

function summaryFlags(s: Summary): FlagShape[] {
  const flags: FlagShape[] = [];
  const without = s.stpCodes.filter((c) => !s.gaps.some((g) => g.stp_code === c && g.combined_gbp_m !== null));
  if (without.length) {
    flags.push({
      code: 'INCOMPLETE',
      explanation: `No stated combined gap for ${without.join(', ')}: the total covers ${s.stpCodes.length - without.length} of ${s.stpCodes.length} member STPs.`,
    });
  }
  if (!s.populationIsComplete) {
    flags.push({
      code: 'INCOMPLETE',
      explanation:
        'Some member STPs have no stated population (geography: populationIsComplete false), so no per-head figure is derived.',
    });
  }
  for (const key of ['capital_required_gbp_m', 'proposed_savings_gbp_m'] as const) {
    const missing = s.gaps.filter((g) => g[key] === null).map((g) => g.stp_code);
    if (missing.length)
      flags.push({
        code: 'INCOMPLETE',
        explanation: `${key === 'capital_required_gbp_m' ? 'Capital required' : 'Proposed savings'} not stated for ${missing.join(', ')}; the total covers the others only.`,
      });
  }
  const flagged = s.gaps
    .filter((g) => g.flags.length > 0)
    .map((g) => `${g.stp_code} (${[...new Set(g.flags.map((f) => f.code))].join(', ')})`);
  if (flagged.length)
    flags.push({
      code: 'MEMBER_FLAGS',
      explanation: `Member figure sets carry flags, summed as stated: ${flagged.join('; ')}.`,
    });
  return flags;
}

const SummaryRef = builder.objectRef<Summary>('RegionFinancialSummary').implement({
  description:
    "DERIVED by the hub from the member STPs' stated figures on the snapshot's date (members and population come from geography through @requires). Sums are exact decimals.",
  fields: (t) => ({
    combinedGapGbpM: t.field({
      type: 'Decimal',
      nullable: true,
      description: "DERIVED: sum of the members' stated combined gaps (£M).",
      resolve: (s) => total(s.gaps, 'combined_gbp_m'),
    }),
    capitalRequiredGbpM: t.field({
      type: 'Decimal',
      nullable: true,
      description: 'DERIVED: sum of stated capital required (£M) where stated.',
      resolve: (s) => total(s.gaps, 'capital_required_gbp_m'),
    }),
    proposedSavingsGbpM: t.field({
      type: 'Decimal',
      nullable: true,
      description: 'DERIVED: sum of stated proposed savings (£M) where stated.',
      resolve: (s) => total(s.gaps, 'proposed_savings_gbp_m'),
    }),
    stpsWithGap: t.int({ resolve: (s) => s.gaps.filter((g) => g.combined_gbp_m !== null).length }),
    stpsWithoutGap: t.int({
      resolve: (s) => s.stpCodes.length - s.gaps.filter((g) => g.combined_gbp_m !== null).length,
    }),
    stpCodesWithoutGap: t.idList({
      resolve: (s) => s.stpCodes.filter((c) => !s.gaps.some((g) => g.stp_code === c && g.combined_gbp_m !== null)),
    }),
    population: t.int({
      nullable: true,
      description: "Input: the members' population as geography derives it.",
      resolve: (s) => s.population,
    }),
    gapPerHeadGbp: t.field({
      type: 'Decimal',
      nullable: true,
      description:
        'DERIVED: combinedGapGbpM x 1,000,000 / population, £ per person rounded half-up to pence. Null unless every member has both a stated gap and a population.',
      resolve: (s) => {
        const sum = total(s.gaps, 'combined_gbp_m');
        const complete =
          s.populationIsComplete &&
          s.stpCodes.every((c) => s.gaps.some((g) => g.stp_code === c && g.combined_gbp_m !== null));
        return sum && complete && s.population ? perHead(sum, s.population) : null;
      },
    }),
    flags: t.field({ type: ['Flag'], resolve: summaryFlags }),
    rankings: t.field({
      type: [RankedRef],
      listSize: { assumedSize: 17 },
      // Null (with a FORBIDDEN error) for callers without the scope; the rest of the summary answers.
      nullable: true,
      description: `Member STPs ranked by a stated figure or by the DERIVED gap per head (largest first); members without it are left out. RESTRICTED: league tables are for regional directors' tools (scope "${HubScope.REGIONAL_DIRECTOR}"); the figures they rank stay public.`,
      args: { by: t.arg({ type: RankOrderEnum, required: false, defaultValue: 'COMBINED_GAP' }) },
      resolve: (s, { by }, ctx) => {
        requireScope(ctx.auth, HubScope.REGIONAL_DIRECTOR, 'RegionFinancialSummary.rankings');
        const order = by ?? 'COMBINED_GAP';
        const withValue = s.gaps.flatMap((gap) => {
          const gbpPerPerson = gapPerHead(s, gap);
          const ranked = order === 'GAP_PER_HEAD' ? gbpPerPerson : gap[column[order]];
          const valueGbpM = order === 'GAP_PER_HEAD' ? gap.combined_gbp_m : gap[column[order]];
          return ranked === null || valueGbpM === null ? [] : [{ gap, valueGbpM, gbpPerPerson, ranked }];
        });
        withValue.sort((a, b) => compare(b.ranked, a.ranked) || a.gap.stp_code.localeCompare(b.gap.stp_code));
        return withValue.map(({ ranked, ...r }) => ({
          ...r,
          rank: 1 + withValue.filter((o) => compare(o.ranked, ranked) > 0).length,
        }));
      },
    }),
  }),
});

RegionSnapshotRef.implement({
  externalFields: (t) => ({
    stpCodes: t.idList(),
    population: t.int({ nullable: true }),
    populationIsComplete: t.boolean(),
    stps: t.field({ type: [StpRef] }),
  }),
  fields: (t) => ({
    regionCode: t.exposeID('regionCode'),
    asOf: t.field({ type: 'Date', resolve: (s) => s.asOf }),
    financialSummary: t.field({
      type: SummaryRef,
      description: 'DERIVED totals, per-head gap and rankings over the member STPs on the date.',
      requires: builder.selection<{
        stpCodes?: string[] | null;
        population?: number | null;
        populationIsComplete?: boolean | null;
        stps?: { code: string; population?: number | null }[] | null;
      }>('stpCodes population populationIsComplete stps { code population }'),
      resolve: async (snapshot, _, ctx) => {
        const stpCodes = [...(snapshot.stpCodes ?? [])];
        const loaded = await financeByStp(ctx).loadMany(stpCodes);
        const gaps = loaded.filter((g): g is StpFinance => g !== null && !(g instanceof Error));
        const populations = new Map((snapshot.stps ?? []).map((stp) => [stp.code, stp.population ?? null]));
        return {
          stpCodes,
          population: snapshot.population ?? null,
          populationIsComplete: snapshot.populationIsComplete ?? false,
          gaps,
          populations,
        };
      },
    }),
  }),
});

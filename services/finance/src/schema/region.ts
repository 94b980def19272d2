import { citationOf, HubScope, requireScope } from '@nhs-hub/kit/subgraph';
import { builder } from '../builder.js';
import type { RegionFact, StpFinance } from '../db/types.js';
import {
  countWithoutGap,
  membersWithGap,
  membersWithoutGap,
  type Ranked,
  type RegionMembers,
  rankMembers,
  regionGapPerHead,
  summaryFlags,
  total,
} from '../domain/region-summary.js';
import { FinancialGapRef } from './finance.js';
import { financeByStp, regionFactsByRegion } from './loaders.js';
import { RegionRef, RegionSnapshotRef, StpRef } from './refs.js';

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

const RankedRef = builder.objectRef<Ranked<StpFinance>>('RegionFinanceRank').implement({
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

const SummaryRef = builder.objectRef<RegionMembers<StpFinance>>('RegionFinancialSummary').implement({
  description:
    "DERIVED by the hub from the member STPs' stated figures on the snapshot's date (members and population come from geography through @requires). Sums are exact decimals.",
  fields: (t) => ({
    combinedGapGbpM: t.field({
      type: 'Decimal',
      nullable: true,
      description: "DERIVED: sum of the members' stated combined gaps (£M).",
      resolve: (s) => total(s, 'combined_gbp_m'),
    }),
    capitalRequiredGbpM: t.field({
      type: 'Decimal',
      nullable: true,
      description: 'DERIVED: sum of stated capital required (£M) where stated.',
      resolve: (s) => total(s, 'capital_required_gbp_m'),
    }),
    proposedSavingsGbpM: t.field({
      type: 'Decimal',
      nullable: true,
      description: 'DERIVED: sum of stated proposed savings (£M) where stated.',
      resolve: (s) => total(s, 'proposed_savings_gbp_m'),
    }),
    stpsWithGap: t.int({ resolve: membersWithGap }),
    stpsWithoutGap: t.int({ resolve: countWithoutGap }),
    stpCodesWithoutGap: t.idList({ resolve: membersWithoutGap }),
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
      resolve: regionGapPerHead,
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
        return rankMembers(s, by ?? 'COMBINED_GAP');
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
      resolve: async (snapshot, _, ctx): Promise<RegionMembers<StpFinance>> => {
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

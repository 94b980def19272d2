import { citationOf, historyLoader, pageArgs, pageOf, pagedListSize, pageWindow } from '@nhs-hub/kit/subgraph';
import { builder } from '../builder.js';
import { type FactOrder, type GapOrder, listFacts, listGaps } from '../db/repository.js';
import type { CheckShape, FinanceDatabase, FinancialFact, StpFinance } from '../db/types.js';
import { FACT_KINDS, type HEADLINE_KINDS, isGapKind, TRACKER } from '../domain/kinds.js';
import { factsByStp } from './loaders.js';
import { StpRef } from './refs.js';

export const FinancialFactKindEnum = builder.enumType('FinancialFactKind', {
  description: 'What a financial line of an STP section states. NOTE lines carry no amount.',
  values: FACT_KINDS,
});

const citation = (f: FinancialFact) => citationOf(f);

export const FinancialFactRef = builder.objectRef<FinancialFact>('FinancialFact').implement({
  description: 'One financial figure (or note) of an STP, as stated, with the line it was read from.',
  fields: (t) => ({
    stpCode: t.exposeID('stp_code'),
    stp: t.field({ type: StpRef, resolve: (f) => ({ code: f.stp_code }) }),
    kind: t.field({
      type: FinancialFactKindEnum,
      resolve: (f) => f.kind as (typeof FACT_KINDS)[number],
    }),
    amountGbpM: t.field({
      type: 'Decimal',
      nullable: true,
      description:
        'In £ millions, exact, parsed from amountAsStated (B x1000, M/million/m x1; bare figures as written, flagged UNIT_MISSING). Null for a NOTE.',
      resolve: (f) => f.amount_gbp_m,
    }),
    amountAsStated: t.exposeString('amount_as_stated', {
      nullable: true,
      description: 'The amount exactly as written, e.g. "£1.824 B" or "£749.8".',
    }),
    text: t.exposeString('source_text', { description: 'The verbatim source line.' }),
    source: t.field({ type: 'Source', resolve: citation }),
    flags: t.field({ type: ['Flag'], resolve: (f) => f.flags }),
  }),
});

const CheckRef = builder.objectRef<CheckShape>('FinanceCheck').implement({
  description:
    'An arithmetic check the hub ran on a figure set, kept whether it holds or not; failures also appear as flags, and so does a check that holds only within the precision the figures are stated to (ROUNDING_DIFFERENCE).',
  fields: (t) => ({
    code: t.exposeString('code'),
    holds: t.exposeBoolean('holds'),
    explanation: t.exposeString('explanation'),
  }),
});

export async function factOf(
  ctx: Parameters<typeof factsByStp>[0],
  stpCode: string,
  kind: string,
): Promise<FinancialFact | null> {
  return (await factsByStp(ctx).load(stpCode)).find((f) => f.kind === kind) ?? null;
}

const GapFigureEnum = builder.enumType('FinancialGapFigure', {
  description:
    "A headline figure of an STP's financial gap: the healthcare gap, the social care gap, the combined gap, the proposed savings or the capital required.",
  values: {
    HEALTHCARE_GAP: { description: 'The healthcare part of the gap (healthcareGbpM).' },
    SOCIAL_CARE_GAP: { description: 'The social care part of the gap (socialCareGbpM).' },
    COMBINED_GAP: { description: 'The combined gap as stated (combinedGbpM).' },
    PROPOSED_SAVINGS: { description: 'The proposed savings (proposedSavingsGbpM).' },
    CAPITAL_REQUIRED: { description: 'The capital required (capitalRequiredGbpM).' },
  } as const satisfies Record<(typeof HEADLINE_KINDS)[number], { description: string }>,
});

/** One history loader per figure (each its own column of stp_finance): a statement per figure per request. */
const GAP_FIGURE_HISTORY = {
  HEALTHCARE_GAP: historyLoader<FinanceDatabase>('stp_finance', 'healthcare_gbp_m'),
  SOCIAL_CARE_GAP: historyLoader<FinanceDatabase>('stp_finance', 'social_care_gbp_m'),
  COMBINED_GAP: historyLoader<FinanceDatabase>('stp_finance', 'combined_gbp_m'),
  PROPOSED_SAVINGS: historyLoader<FinanceDatabase>('stp_finance', 'proposed_savings_gbp_m'),
  CAPITAL_REQUIRED: historyLoader<FinanceDatabase>('stp_finance', 'capital_required_gbp_m'),
} as const satisfies Record<(typeof HEADLINE_KINDS)[number], unknown>;

export const FinancialGapRef = builder.objectRef<StpFinance>('FinancialGap').implement({
  description:
    "An STP's financial gap by 2020/21 as the ABHI tracker states it (£ millions, exact), with savings, capital, the checks run on them and the flags raised. Figures are never corrected.",
  fields: (t) => ({
    stpCode: t.exposeID('stp_code'),
    stp: t.field({ type: StpRef, resolve: (g) => ({ code: g.stp_code }) }),
    trackerName: t.exposeString('tracker_name'),
    horizon: t.exposeString('horizon', {
      description: 'The year the gap is projected to: "2020/21".',
    }),
    healthcareGbpM: t.field({
      type: 'Decimal',
      nullable: true,
      description: 'Null where the section states only a combined gap.',
      resolve: (g) => g.healthcare_gbp_m,
    }),
    socialCareGbpM: t.field({
      type: 'Decimal',
      nullable: true,
      description: 'Null where the section states only a combined gap.',
      resolve: (g) => g.social_care_gbp_m,
    }),
    combinedGbpM: t.field({
      type: 'Decimal',
      nullable: true,
      description: 'As stated (not the sum of the parts; see checks).',
      resolve: (g) => g.combined_gbp_m,
    }),
    proposedSavingsGbpM: t.field({ type: 'Decimal', nullable: true, resolve: (g) => g.proposed_savings_gbp_m }),
    capitalRequiredGbpM: t.field({
      type: 'Decimal',
      nullable: true,
      description: 'Null (not zero) where the section has no capital line.',
      resolve: (g) => g.capital_required_gbp_m,
    }),
    flags: t.field({
      type: ['Flag'],
      description:
        'SUM_MISMATCH (parts and stated total apart beyond their stated precision), ROUNDING_DIFFERENCE (apart only within it: informational), SAVINGS_EXCEED_GAP, UNIT_MISSING, DUPLICATED_FIGURE ... on this figure set.',
      resolve: (g) => g.flags,
    }),
    checks: t.field({ type: [CheckRef], listSize: { assumedSize: 5 }, resolve: (g) => g.checks }),
    sources: t.field({
      type: ['Source'],
      description: 'The lines stating the healthcare, social care and combined gaps.',
      resolve: async (g, _, ctx) =>
        (await factsByStp(ctx).load(g.stp_code)).filter((f) => isGapKind(f.kind)).map(citation),
    }),
    sectionSource: t.field({
      type: 'Source',
      description: "The tracker section's heading.",
      resolve: (g) => citationOf(g, 'heading', TRACKER),
    }),
    history: t.field({
      type: ['FigureChange'],
      description:
        "Every value one figure of this set has had, oldest first: the seed that first set it, then each load, revert or reseed that changed it, with the release, its time and the file and line it was read from (a gap part changes when its financial fact is loaded: the line is that fact's, and the document and line it cites). Read once per figure asked for in a request, however many STPs.",
      args: { figure: t.arg({ type: GapFigureEnum, required: true }) },
      resolve: (g, { figure }, ctx) => GAP_FIGURE_HISTORY[figure](ctx).load({ stp_code: g.stp_code }),
    }),
  }),
});

const GapOrderEnum = builder.enumType('FinancialGapOrder', {
  values: ['COMBINED_GAP', 'CAPITAL_REQUIRED', 'PROPOSED_SAVINGS', 'STP_CODE'] as const,
});
const FactOrderEnum = builder.enumType('FinancialFactOrder', {
  values: ['AMOUNT', 'STP_CODE', 'SOURCE_LINE'] as const,
});

const GapFilterInput = builder.inputType('FinancialGapFilter', {
  fields: (t) => ({
    stpCodes: t.idList({ required: false, description: 'ODS codes, e.g. ["QJM"].' }),
    hasFlag: t.string({ required: false, description: 'Only figure sets carrying this flag code, e.g. SUM_MISMATCH.' }),
  }),
});
const FactFilterInput = builder.inputType('FinancialFactFilter', {
  fields: (t) => ({
    stpCodes: t.idList({ required: false }),
    kinds: t.field({ type: [FinancialFactKindEnum], required: false }),
    hasFlag: t.string({ required: false }),
  }),
});

const GapPageRef = pageOf(builder, 'FinancialGapPage', FinancialGapRef);

builder.queryFields((t) => ({
  financialGaps: t.field({
    type: GapPageRef,
    listSize: pagedListSize,
    description:
      "Rankings of the tracker's STPs by a stated figure (nulls last; ties by STP code). Per-head rankings need populations, which geography owns: see RegionSnapshot.financialSummary.rankings and Stp.gapPerHeadDerived.",
    args: {
      filter: t.arg({ type: GapFilterInput, required: false }),
      orderBy: t.arg({ type: GapOrderEnum, required: false, defaultValue: 'COMBINED_GAP' }),
      descending: t.arg.boolean({ required: false, defaultValue: true }),
      ...pageArgs(t.arg),
    },
    resolve: async (_, args, ctx) => {
      const p = pageWindow(args.first, args.offset);
      const { rows, totalCount } = await listGaps(ctx.db, args.filter ?? {}, {
        orderBy: (args.orderBy ?? 'COMBINED_GAP') as GapOrder,
        descending: args.descending ?? true,
        ...p,
      });
      return { nodes: rows, totalCount, offset: p.offset };
    },
  }),
  financialFacts: t.field({
    type: [FinancialFactRef],
    listSize: { slicingArguments: ['first'], requireOneSlicingArgument: false },
    description:
      'Financial facts across STPs, filterable by STP, kind and flag, sortable by amount (nulls last), STP or line.',
    args: {
      filter: t.arg({ type: FactFilterInput, required: false }),
      orderBy: t.arg({ type: FactOrderEnum, required: false, defaultValue: 'STP_CODE' }),
      descending: t.arg.boolean({ required: false, defaultValue: false }),
      ...pageArgs(t.arg),
    },
    resolve: (_, args, ctx) =>
      listFacts(ctx.db, args.filter ?? {}, {
        orderBy: (args.orderBy ?? 'STP_CODE') as FactOrder,
        descending: args.descending ?? false,
        ...pageWindow(args.first, args.offset),
      }),
  }),
}));

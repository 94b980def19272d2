import { builder } from '../builder.js';
import { factsMatching } from '../domain/kinds.js';
import { type GapPerHead, gapPerHead } from '../domain/region-summary.js';
import { FinancialFactKindEnum, FinancialFactRef, FinancialGapRef, factOf } from './finance.js';
import { factsByStp, financeByStp } from './loaders.js';
import { StpRef } from './refs.js';

const GapPerHeadRef = builder.objectRef<GapPerHead>('DerivedGapPerHead').implement({
  description:
    'DERIVED by the hub, not stated in any source: combined gap (£M, stated) x 1,000,000 / population (geography, as the tracker states it).',
  fields: (t) => ({
    gbpPerPerson: t.field({
      type: 'Decimal',
      description: 'DERIVED: £ per person, rounded half-up to pence.',
      resolve: (d) => d.gbpPerPerson,
    }),
    combinedGapGbpM: t.field({
      type: 'Decimal',
      description: 'Input: the stated combined gap.',
      resolve: (d) => d.combinedGapGbpM,
    }),
    population: t.exposeInt('population', {
      description: 'Input: the population geography holds for the STP.',
    }),
    formula: t.exposeString('formula'),
  }),
});

/** Geography's STP, extended with its financial gap, facts and the gap per head finance derives. */
StpRef.implement({
  externalFields: (t) => ({ population: t.int({ nullable: true }) }),
  fields: (t) => ({
    code: t.exposeID('code'),
    financialGap: t.field({
      type: FinancialGapRef,
      nullable: true,
      description: 'The financial gap by 2020/21 as the tracker states it; null for an STP the tracker does not cover.',
      resolve: (stp, _, ctx) => financeByStp(ctx).load(stp.code),
    }),
    proposedSavingsGbpM: t.field({
      type: 'Decimal',
      nullable: true,
      description: 'Stated proposed savings (£M); see proposedSavings for the line and flags.',
      resolve: async (stp, _, ctx) => (await financeByStp(ctx).load(stp.code))?.proposed_savings_gbp_m ?? null,
    }),
    capitalRequiredGbpM: t.field({
      type: 'Decimal',
      nullable: true,
      description: 'Stated capital funding required (£M); null (not zero) where the section has no capital line.',
      resolve: async (stp, _, ctx) => (await financeByStp(ctx).load(stp.code))?.capital_required_gbp_m ?? null,
    }),
    proposedSavings: t.field({
      type: FinancialFactRef,
      nullable: true,
      resolve: (stp, _, ctx) => factOf(ctx, stp.code, 'PROPOSED_SAVINGS'),
    }),
    capitalRequired: t.field({
      type: FinancialFactRef,
      nullable: true,
      resolve: (stp, _, ctx) => factOf(ctx, stp.code, 'CAPITAL_REQUIRED'),
    }),
    financialFacts: t.field({
      type: [FinancialFactRef],
      listSize: { assumedSize: 10 },
      description:
        'Every financial line of the STP (tracker section; for Lincolnshire also its June 2018 Board update), in source order.',
      args: {
        kinds: t.arg({ type: [FinancialFactKindEnum], required: false }),
        hasFlag: t.arg.string({ required: false }),
      },
      resolve: async (stp, { kinds, hasFlag }, ctx) =>
        factsMatching(await factsByStp(ctx).load(stp.code), { kinds, hasFlag }),
    }),
    gapPerHeadDerived: t.field({
      type: GapPerHeadRef,
      nullable: true,
      description:
        'DERIVED: combined gap per person, from the stated gap and the population geography holds (federation @requires(fields: "population")). Null without either.',
      requires: builder.selection<{ population?: number | null }>('population'),
      resolve: async (stp, _, ctx) =>
        gapPerHead(stp.code, (await financeByStp(ctx).load(stp.code))?.combined_gbp_m, stp.population),
    }),
  }),
});

import { defineLoader, groupByKey, type HubContext, oneByKey } from '@nhs-hub/kit/subgraph';
import { factsOfStps, financeOfStps, regionFactsOf } from '../db/repository.js';
import type { FinanceDatabase, FinancialFact, RegionFact, StpFinance } from '../db/types.js';

type Ctx = HubContext<FinanceDatabase>;

/** An STP's figure set (null outside the tracker): one statement for every STP in the request. */
export const financeByStp = defineLoader<Ctx, string, StpFinance | null>(async (codes, ctx) =>
  oneByKey(codes, await financeOfStps(ctx.db, codes), (r) => r.stp_code),
);

/** Every financial fact per STP: one statement for every STP in the request. */
export const factsByStp = defineLoader<Ctx, string, FinancialFact[]>(async (codes, ctx) =>
  groupByKey(codes, await factsOfStps(ctx.db, codes), (f) => f.stp_code),
);

/** Annex A facts per region code: one statement for every region in the request. */
export const regionFactsByRegion = defineLoader<Ctx, string, RegionFact[]>(async (codes, ctx) =>
  groupByKey(codes, await regionFactsOf(ctx.db, codes), (f) => f.region_code),
);

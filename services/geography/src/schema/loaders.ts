import { defineLoader, groupByKey, type HubContext } from '@nhs-hub/kit/subgraph';
import {
  icsOfStps,
  type MembershipWithRegion,
  type MembershipWithStp,
  membershipsOfRegions,
  membershipsOfStps,
  onsCodesOfStps,
  predecessorsOfStps,
} from '../db/repository.js';
import type { GeographyDatabase, IcsDesignation, Stp, StpOnsCode } from '../db/types.js';

type Ctx = HubContext<GeographyDatabase>;

/** Region memberships per STP code: one statement for every STP in the request. */
export const membershipsByStp = defineLoader<Ctx, string, MembershipWithRegion[]>(async (codes, ctx) =>
  groupByKey(codes, await membershipsOfStps(ctx.db, codes), (m) => m.stp_code),
);

/** STP memberships per region code: one statement for every region in the request. */
export const membershipsByRegion = defineLoader<Ctx, string, MembershipWithStp[]>(async (codes, ctx) =>
  groupByKey(codes, await membershipsOfRegions(ctx.db, codes), (m) => m.region_code),
);

export const onsCodesByStp = defineLoader<Ctx, string, StpOnsCode[]>(async (codes, ctx) =>
  groupByKey(codes, await onsCodesOfStps(ctx.db, codes), (o) => o.stp_code),
);

export const icsByStp = defineLoader<Ctx, string, IcsDesignation[]>(async (codes, ctx) =>
  groupByKey(codes, await icsOfStps(ctx.db, codes), (i) => i.stp_code),
);

export const predecessorsByStp = defineLoader<Ctx, string, Stp[]>(async (codes, ctx) =>
  groupByKey(codes, await predecessorsOfStps(ctx.db, codes), (s) => s.successor_code ?? ''),
);

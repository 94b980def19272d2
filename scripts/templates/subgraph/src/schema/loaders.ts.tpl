import { defineLoader, groupByKey, type HubContext } from '@nhs-hub/kit/subgraph';
import { factsOfStps } from '../db/repository.js';
import type { __Name__Database, __Name__Fact } from '../db/types.js';

type Ctx = HubContext<__Name__Database>;

/** Facts per STP code: one statement for every STP in the request. */
export const factsByStp = defineLoader<Ctx, string, __Name__Fact[]>(async (codes, ctx) =>
  groupByKey(codes, await factsOfStps(ctx.db, codes), (f) => f.stp_code),
);

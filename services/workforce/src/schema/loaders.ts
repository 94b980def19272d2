import { defineLoader, groupByKey, type HubContext } from '@nhs-hub/kit/subgraph';
import { factsOfStps } from '../db/repository.js';
import type { WorkforceDatabase, WorkforceFact } from '../db/types.js';

type Ctx = HubContext<WorkforceDatabase>;

/** Facts per STP code: one statement for every STP in the request. */
export const factsByStp = defineLoader<Ctx, string, WorkforceFact[]>(async (codes, ctx) =>
  groupByKey(codes, await factsOfStps(ctx.db, codes), (f) => f.stp_code),
);

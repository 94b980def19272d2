import { defineLoader, groupByKey, type HubContext } from '@nhs-hub/kit/subgraph';
import {
  childrenOfPriorities,
  considerationsOfStps,
  listProgrammes,
  type MatchWithProgramme,
  matchesOfPriorities,
  outcomesOfPriorities,
  type PriorityOfProgramme,
  prioritiesOfProgrammes,
  programmeCountsOfStps,
  sourcesOfProgrammes,
  type StpProgrammeCount,
  stpCodesOfProgrammes,
  subPointsOfOwners,
  topPrioritiesOfStps,
} from '../db/repository.js';
import type {
  Consideration,
  Priority,
  Programme,
  ProgrammeSource,
  ProgrammesDatabase,
  StatedOutcome,
  SubPoint,
} from '../db/types.js';

export type Ctx = HubContext<ProgrammesDatabase>;

/** Top-level priorities per STP code: one statement for every STP in the request. */
export const prioritiesByStp = defineLoader<Ctx, string, Priority[]>(async (codes, ctx) =>
  groupByKey(codes, await topPrioritiesOfStps(ctx.db, codes), (p) => p.stp_code),
);

export const considerationsByStp = defineLoader<Ctx, string, Consideration[]>(async (codes, ctx) =>
  groupByKey(codes, await considerationsOfStps(ctx.db, codes), (c) => c.stp_code),
);

export const childrenByPriority = defineLoader<Ctx, string, Priority[]>(async (ids, ctx) =>
  groupByKey(ids, await childrenOfPriorities(ctx.db, ids), (p) => p.parent_id ?? ''),
);

/** Sub-points of priorities and considerations alike (their ids never collide). */
export const subPointsByOwner = defineLoader<Ctx, string, SubPoint[]>(async (ids, ctx) =>
  groupByKey(ids, await subPointsOfOwners(ctx.db, ids), (s) => s.owner_id),
);

export const outcomesByPriority = defineLoader<Ctx, string, StatedOutcome[]>(async (ids, ctx) =>
  groupByKey(ids, await outcomesOfPriorities(ctx.db, ids), (o) => o.priority_id),
);

export const matchesByPriority = defineLoader<Ctx, string, MatchWithProgramme[]>(async (ids, ctx) =>
  groupByKey(ids, await matchesOfPriorities(ctx.db, ids), (m) => m.priority_id),
);

export const prioritiesByProgramme = defineLoader<Ctx, string, PriorityOfProgramme[]>(async (codes, ctx) =>
  groupByKey(codes, await prioritiesOfProgrammes(ctx.db, codes), (p) => p.programme_code),
);

export const stpCodesByProgramme = defineLoader<Ctx, string, string[]>(async (codes, ctx) =>
  groupByKey(codes, await stpCodesOfProgrammes(ctx.db, codes), (r) => r.programme_code).map((rows) =>
    rows.map((r) => r.stp_code),
  ),
);

export const sourcesByProgramme = defineLoader<Ctx, string, ProgrammeSource[]>(async (codes, ctx) =>
  groupByKey(codes, await sourcesOfProgrammes(ctx.db, codes), (s) => s.programme_code),
);

export const programmeCountsByStp = defineLoader<Ctx, string, StpProgrammeCount[]>(async (codes, ctx) =>
  groupByKey(codes, await programmeCountsOfStps(ctx.db, codes), (c) => c.stp_code),
);

/** Every programme, in order: one statement per request, whatever asks for it. */
export const allProgrammes = defineLoader<Ctx, 'all', Programme[]>(async (keys, ctx) => {
  const programmes = await listProgrammes(ctx.db);
  return keys.map(() => programmes);
});

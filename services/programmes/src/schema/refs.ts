import { builder } from '../builder.js';
import { findPrioritiesByIds, findProgrammesByCodes } from '../db/repository.js';

/** Refs declared apart from their fields, so that Programme, Priority and Stp can refer to each other. */
export const ProgrammeRef = builder.loadableObjectRef('Programme', {
  load: (codes: string[], ctx) => findProgrammesByCodes(ctx.db, codes),
  sort: (programme) => programme.code,
});

export const PriorityRef = builder.loadableObjectRef('Priority', {
  load: (ids: string[], ctx) => findPrioritiesByIds(ctx.db, ids),
  sort: (priority) => priority.id,
});

/** Geography's STP, keyed by ODS code. */
export const StpRef = builder.externalRef('Stp', builder.selection<{ code: string }>('code'));

/** Geography's region as of a date. */
export const RegionSnapshotRef = builder.externalRef(
  'RegionSnapshot',
  builder.selection<{ regionCode: string; asOf: string }>('regionCode asOf'),
);

import { builder } from '../builder.js';
import type { Programme } from '../db/types.js';
import { countsByProgramme, type ProgrammeCount } from '../domain/counts.js';
import { allProgrammes, programmeCountsByStp } from './loaders.js';
import { ProgrammeRef, RegionSnapshotRef } from './refs.js';

const ProgrammeCountRef = builder.objectRef<ProgrammeCount<Programme>>('ProgrammePriorityCount').implement({
  description: "How many of a region's STPs, and how many of their priorities, fall under a programme.",
  fields: (t) => ({
    programme: t.field({ type: ProgrammeRef, resolve: (c) => c.programme }),
    stpCount: t.exposeInt('stpCount', {
      description: 'Member STPs with at least one priority under the programme.',
    }),
    priorityCount: t.exposeInt('priorityCount', {
      description:
        'Priority items (focuses, paper priorities and work streams) under the programme across the member STPs.',
    }),
  }),
});

/**
 * Geography's region as of a date, extended with counts per programme over its member STPs
 * (`@requires(fields: "stpCodes")`).
 */
RegionSnapshotRef.implement({
  externalFields: (t) => ({
    stpCodes: t.idList(),
  }),
  fields: (t) => ({
    regionCode: t.exposeID('regionCode'),
    asOf: t.field({ type: 'Date', resolve: (s) => s.asOf }),
    prioritiesByProgramme: t.field({
      type: [ProgrammeCountRef],
      listSize: { assumedSize: 10 },
      description:
        'Every programme (in programme order) with how many member STPs and priorities fall under it; zero counts included.',
      requires: builder.selection<{ stpCodes?: string[] | null }>('stpCodes'),
      resolve: async (snapshot, _, ctx) => {
        const codes = snapshot.stpCodes ?? [];
        const [programmes, perStp] = await Promise.all([
          allProgrammes(ctx).load('all'),
          programmeCountsByStp(ctx).loadMany(codes),
        ]);
        return countsByProgramme(
          programmes,
          perStp.flatMap((c) => (c instanceof Error ? [] : c)),
        );
      },
    }),
  }),
});

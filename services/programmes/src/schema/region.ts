import { builder } from '../builder.js';
import type { Programme } from '../db/types.js';
import { allProgrammes, programmeCountsByStp } from './loaders.js';
import { ProgrammeRef, RegionSnapshotRef } from './refs.js';

interface ProgrammeCountShape {
  programme: Programme;
  stpCount: number;
  priorityCount: number;
}

const ProgrammeCountRef = builder.objectRef<ProgrammeCountShape>('ProgrammePriorityCount').implement({
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
        const counts = perStp.flatMap((c) => (c instanceof Error ? [] : c));
        return programmes.map((programme) => {
          const mine = counts.filter((c) => c.programme_code === programme.code && c.priority_count > 0);
          return {
            programme,
            stpCount: new Set(mine.map((c) => c.stp_code)).size,
            priorityCount: mine.reduce((sum, c) => sum + Number(c.priority_count), 0),
          };
        });
      },
    }),
  }),
});

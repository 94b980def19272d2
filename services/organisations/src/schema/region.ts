import { citationOf } from '@nhs-hub/kit/subgraph';
import { leadershipNote } from '../domain/roles.js';
import { leadershipNotesByRegion, leadersByRegion } from './loaders.js';
import { RegionRef } from './refs.js';
import { RoleRef } from './role.js';

/** Geography's region, extended with who leads it where the seeds say so. */
RegionRef.implement({
  fields: (t) => ({
    code: t.exposeID('code'),
    leaders: t.field({
      type: [RoleRef],
      listSize: { assumedSize: 5 },
      description:
        'People the seeds name as leading the region. Empty for every region: the seeds name no regional director (see leadershipNote).',
      resolve: (region, _, ctx) => leadersByRegion(ctx).load(region.code.toUpperCase()),
    }),
    leadershipNote: t.string({
      nullable: true,
      description:
        "What the seeds say about the region's leadership, in the hub's words, where no one is named; each sentence rests on a line of leadershipSources.",
      resolve: async (region, _, ctx) => {
        const code = region.code.toUpperCase();
        const [notes, leaders] = await Promise.all([
          leadershipNotesByRegion(ctx).load(code),
          leadersByRegion(ctx).load(code),
        ]);
        return leadershipNote(notes, leaders.length);
      },
    }),
    leadershipSources: t.field({
      type: ['Source'],
      resolve: async (region, _, ctx) =>
        (await leadershipNotesByRegion(ctx).load(region.code.toUpperCase())).map((n) => citationOf(n)),
    }),
  }),
});

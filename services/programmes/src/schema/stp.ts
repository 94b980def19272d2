import { considerationsByStp, prioritiesByStp } from './loaders.js';
import { ConsiderationRef } from './priority.js';
import { PriorityRef, StpRef } from './refs.js';

/**
 * Geography's STP, extended with what it prioritises. Order of `priorities`: the tracker's focuses
 * first, in the tracker's order, then (Lincolnshire only) the paper's priorities 5.1-5.7; `kind`
 * tells them apart. Work streams hang under their priority (`children`).
 */
StpRef.implement({
  fields: (t) => ({
    code: t.exposeID('code'),
    priorities: t.field({
      type: [PriorityRef],
      listSize: { assumedSize: 12 },
      description:
        "Top-level priorities in order: the tracker's focuses, then (Lincolnshire) the paper's priorities 5.1-5.7. Work streams are under `children`.",
      resolve: (stp, _, ctx) => prioritiesByStp(ctx).load(stp.code),
    }),
    considerations: t.field({
      type: [ConsiderationRef],
      listSize: { assumedSize: 8 },
      description: 'The tracker\'s "Relevant considerations", verbatim and in order, continuation slides included.',
      resolve: (stp, _, ctx) => considerationsByStp(ctx).load(stp.code),
    }),
  }),
});

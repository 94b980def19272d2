import { leadsByStp } from './loaders.js';
import { StpRef } from './refs.js';
import { StpLeadRef } from './role.js';

/** Geography's STP, extended with who leads it as the tracker states. */
StpRef.implement({
  fields: (t) => ({
    code: t.exposeID('code'),
    leads: t.field({
      type: [StpLeadRef],
      listSize: { assumedSize: 3 },
      description: "The lead(s) the tracker's section names, as written; empty for an STP the tracker does not cover.",
      resolve: (stp, _, ctx) => leadsByStp(ctx).load(stp.code.toUpperCase()),
    }),
  }),
});

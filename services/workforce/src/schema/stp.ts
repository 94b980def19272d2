import { WorkforceFactRef } from './fact.js';
import { factsByStp } from './loaders.js';
import { StpRef } from './refs.js';

/** Geography's STP, extended with the workforce facts the sources state for it. */
StpRef.implement({
  fields: (t) => ({
    code: t.exposeID('code'),
    workforceFacts: t.field({
      type: [WorkforceFactRef],
      listSize: { assumedSize: 10 },
      description: 'The workforce facts the sources state for this STP, in id order.',
      resolve: (stp, _, ctx) => factsByStp(ctx).load(stp.code),
    }),
  }),
});

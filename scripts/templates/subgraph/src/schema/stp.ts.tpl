import { __Name__FactRef } from './fact.js';
import { factsByStp } from './loaders.js';
import { StpRef } from './refs.js';

/** Geography's STP, extended with the __name__ facts the sources state for it. */
StpRef.implement({
  fields: (t) => ({
    code: t.exposeID('code'),
    __name__Facts: t.field({
      type: [__Name__FactRef],
      listSize: { assumedSize: 10 },
      description: 'The __name__ facts the sources state for this STP, in id order.',
      resolve: (stp, _, ctx) => factsByStp(ctx).load(stp.code),
    }),
  }),
});

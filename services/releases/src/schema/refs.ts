import { builder } from '../builder.js';

/**
 * Geography's STP and region, keyed by ODS code, as references only (`resolvable: false`): a
 * change names the STP or region its row belongs to, and the gateway asks geography for the rest.
 */
export const StpRef = builder.externalRef(
  'Stp',
  builder.keyDirective(builder.selection<{ code: string }>('code'), false),
);
export const RegionRef = builder.externalRef(
  'Region',
  builder.keyDirective(builder.selection<{ code: string }>('code'), false),
);

StpRef.implement({ fields: (t) => ({ code: t.exposeID('code') }) });
RegionRef.implement({ fields: (t) => ({ code: t.exposeID('code') }) });

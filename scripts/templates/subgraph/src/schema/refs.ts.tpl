import { builder } from '../builder.js';

/** Geography's STP, keyed by ODS code: __name__ adds its facts (stp.ts). */
export const StpRef = builder.externalRef('Stp', builder.selection<{ code: string }>('code'));

import { builder } from '../builder.js';

/** Geography's STP, keyed by ODS code: finance adds its gap and facts (finance.ts). */
export const StpRef = builder.externalRef('Stp', builder.selection<{ code: string }>('code'));

/** Geography's region, keyed by ODS code: finance adds Annex A's stated figures and its summary (region.ts). */
export const RegionRef = builder.externalRef('Region', builder.selection<{ code: string }>('code'));

/** Geography's region as of a date: finance adds its STPs' gaps (region.ts). */
export const RegionSnapshotRef = builder.externalRef(
  'RegionSnapshot',
  builder.selection<{ regionCode: string; asOf: string }>('regionCode asOf'),
);

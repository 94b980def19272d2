import { builder } from '../builder.js';
import { findRegionsByCodes, findStpsByCodes } from '../db/repository.js';

/**
 * The entities geography owns, declared before any is implemented: an STP names its region and a
 * region lists its STPs, so stp.ts and region.ts each need the other's ref. Declaring them here
 * lets both import one module instead of each other.
 */
export const StpRef = builder.loadableObjectRef('Stp', {
  load: (codes: string[], ctx) => findStpsByCodes(ctx.db, codes),
  sort: (stp) => stp.code,
});

export const RegionRef = builder.loadableObjectRef('Region', {
  load: (codes: string[], ctx) => findRegionsByCodes(ctx.db, codes),
  sort: (region) => region.code,
});

export interface RegionSnapshotKey {
  regionCode: string;
  asOf: string;
}

export const RegionSnapshotRef = builder.objectRef<RegionSnapshotKey>('RegionSnapshot');

import { badInput, citationOf, notFound } from '@nhs-hub/kit/subgraph';
import { builder } from '../builder.js';
import { findRegionsByCodes, listRegions } from '../db/repository.js';
import type { Region, Stp } from '../db/types.js';
import { regionCodeOf } from '../domain/codes.js';
import { latestDay, populationOf, validOn, withoutPopulation } from '../domain/membership.js';
import { membershipsByRegion } from './loaders.js';
import { RegionRef, type RegionSnapshotKey, RegionSnapshotRef, StpRef } from './refs.js';

RegionRef.implement({
  description:
    'An NHS England region: four until March 2018, five in 2018/19, seven from April 2019. Keyed by its ODS code (e.g. Y60 Midlands).',
  fields: (t) => ({
    code: t.exposeID('code', { description: 'ODS code, e.g. Y60.' }),
    onsCode: t.exposeString('ons_code', { description: 'ONS code, e.g. E40000008.' }),
    name: t.exposeString('name'),
    validFrom: t.field({ type: 'Date', resolve: (r) => r.valid_from }),
    validTo: t.field({
      type: 'Date',
      nullable: true,
      description: 'Last day the region existed; null while it still does.',
      resolve: (r) => r.valid_to,
    }),
    validFromIsInferred: t.boolean({
      description: 'True where the reference list infers the opening date rather than stating it.',
      resolve: (r) => r.valid_from_certainty !== 'stated',
    }),
    source: t.field({
      type: 'Source',
      resolve: (r) => citationOf(r),
    }),
    stps: t.field({
      type: [StpRef],
      listSize: { assumedSize: 17 },
      description:
        "The region's STPs on a date. Without asOf: today for a current region, or its last day for a closed one.",
      args: { asOf: t.arg({ type: 'Date', required: false }) },
      resolve: async (region, { asOf }, ctx) =>
        validOn(await membershipsByRegion(ctx).load(region.code), asOf ?? latestDay(region.valid_to)).map(
          (m): Stp => m.stp,
        ),
    }),
    asOf: t.field({
      type: RegionSnapshotRef,
      description: 'The region as of a date: its member STPs and their population. Without a date, as for `stps`.',
      args: { date: t.arg({ type: 'Date', required: false }) },
      resolve: (region, { date }) => ({ regionCode: region.code, asOf: date ?? latestDay(region.valid_to) }),
    }),
  }),
});

builder.asEntity(RegionRef, {
  key: builder.selection<{ code: string }>('code'),
  resolveReference: (ref, ctx) => RegionRef.getDataloader(ctx).load(ref.code),
});

/**
 * "A region as of a date", owned here so that other subgraphs can aggregate over a region's
 * members (finance's totals, programmes' counts) through `@requires` instead of copying membership.
 */
RegionSnapshotRef.implement({
  description: 'A region as of a date: which STPs it held and how many people they served, as the sources state.',
  fields: (t) => ({
    regionCode: t.exposeID('regionCode'),
    asOf: t.field({ type: 'Date', resolve: (s) => s.asOf }),
    region: t.field({
      type: RegionRef,
      nullable: true,
      resolve: (s, _, ctx) => RegionRef.getDataloader(ctx).load(s.regionCode),
    }),
    stps: t.field({
      type: [StpRef],
      listSize: { assumedSize: 17 },
      resolve: async (s, _, ctx) => (await membersOn(s, ctx)).map((m) => m.stp),
    }),
    stpCodes: t.idList({
      description: 'ODS codes of the member STPs on the date, sorted.',
      resolve: async (s, _, ctx) => (await membersOn(s, ctx)).map((m) => m.stp_code).sort(),
    }),
    population: t.int({
      nullable: true,
      description:
        "DERIVED: the sum of the member STPs' populations as the tracker states them. Null when no member has one. See populationIsComplete.",
      resolve: async (s, _, ctx) => populationOf((await stpsOn(s, ctx)).map((stp) => stp.population)),
    }),
    populationIsComplete: t.boolean({
      description: 'False when some member STP has no stated population (e.g. QHM, formed after the tracker).',
      resolve: async (s, _, ctx) => withoutPopulation(await stpsOn(s, ctx)).length === 0,
    }),
    stpCodesWithoutPopulation: t.idList({
      resolve: async (s, _, ctx) => withoutPopulation(await stpsOn(s, ctx)),
    }),
  }),
});

/** The member STPs' codes and stated populations on the snapshot's date. */
async function stpsOn(snapshot: RegionSnapshotKey, ctx: Parameters<typeof membershipsByRegion>[0]) {
  return (await membersOn(snapshot, ctx)).map((m) => ({ stp_code: m.stp_code, population: m.stp.population }));
}

async function membersOn(snapshot: RegionSnapshotKey, ctx: Parameters<typeof membershipsByRegion>[0]) {
  return validOn(await membershipsByRegion(ctx).load(snapshot.regionCode), snapshot.asOf);
}

builder.asEntity(RegionSnapshotRef, {
  key: builder.selection<{ regionCode: string; asOf: string }>('regionCode asOf'),
  resolveReference: (ref) => ({ regionCode: ref.regionCode.toUpperCase(), asOf: ref.asOf }),
});

function checkRegionCode(code: string): string {
  const wanted = regionCodeOf(code);
  if (wanted === null) {
    throw badInput(
      `'${code}' is not a region code: use an ODS code such as Y60 or an ONS code such as E40000008`,
      'code',
    );
  }
  return wanted;
}

async function regionByAnyCode(code: string, ctx: Parameters<typeof membershipsByRegion>[0]): Promise<Region> {
  const wanted = checkRegionCode(code);
  const [region] = await findRegionsByCodes(ctx.db, [wanted]);
  if (!region) throw notFound('Region', `no NHS England region has the ODS or ONS code '${wanted}'`);
  return region;
}

builder.queryFields((t) => ({
  region: t.field({
    type: RegionRef,
    nullable: true,
    description: 'A region by ODS code (Y60) or ONS code (E40000008). Unknown codes are a NOT_FOUND error.',
    args: { code: t.arg.id({ required: true }) },
    resolve: (_, { code }, ctx) => regionByAnyCode(String(code), ctx),
  }),
  regions: t.field({
    type: [RegionRef],
    listSize: { assumedSize: 10 },
    description: 'All ten regions of 2012-2019 onwards, or those that existed on a date.',
    args: { asOf: t.arg({ type: 'Date', required: false }) },
    resolve: (_, { asOf }, ctx) => listRegions(ctx.db, asOf ?? undefined),
  }),
  regionSnapshot: t.field({
    type: RegionSnapshotRef,
    nullable: true,
    description: 'A region as of a date (default: today, or its last day if it has closed).',
    args: { code: t.arg.id({ required: true }), asOf: t.arg({ type: 'Date', required: false }) },
    resolve: async (_, { code, asOf }, ctx) => {
      const region = await regionByAnyCode(String(code), ctx);
      return { regionCode: region.code, asOf: asOf ?? latestDay(region.valid_to) };
    },
  }),
}));

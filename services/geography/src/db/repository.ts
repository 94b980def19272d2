import { type CountedRows, countRows } from '@nhs-hub/kit/subgraph';
import { type Kysely, sql } from 'kysely';
import type { GeographyDatabase, IcsDesignation, Region, Stp, StpOnsCode, StpRegionMembership } from './types.js';

type Db = Kysely<GeographyDatabase>;

export async function findStpsByCodes(db: Db, codes: readonly string[]): Promise<Stp[]> {
  if (codes.length === 0) return [];
  return db.selectFrom('stp').selectAll().where('code', 'in', codes).execute();
}

/** Maps each given code (ODS or any ONS code an STP has had) to the STP's ODS code, in one statement. */
/**
 * STPs by any code they are known by (ODS, or an ONS code they have carried), in one statement,
 * keyed by the code as given (upper-cased): the row itself, so a lookup by code reads it once.
 */
export async function findStpsByAnyCode(db: Db, codes: readonly string[]): Promise<Map<string, Stp>> {
  if (codes.length === 0) return new Map();
  const upper = codes.map((c) => c.trim().toUpperCase());
  const rows = await db
    .selectFrom('stp')
    .selectAll('stp')
    .select('stp.code as given')
    .where('stp.code', 'in', upper)
    .unionAll(
      db
        .selectFrom('stp_ons_code')
        .innerJoin('stp', 'stp.code', 'stp_ons_code.stp_code')
        .selectAll('stp')
        .select('stp_ons_code.ons_code as given')
        .where('stp_ons_code.ons_code', 'in', upper),
    )
    .execute();
  return new Map(rows.map(({ given, ...stp }) => [given, stp]));
}

export async function findRegionsByCodes(db: Db, codes: readonly string[]): Promise<Region[]> {
  if (codes.length === 0) return [];
  const upper = codes.map((c) => c.trim().toUpperCase());
  return db
    .selectFrom('region')
    .selectAll()
    .where((eb) => eb.or([eb('code', 'in', upper), eb('ons_code', 'in', upper)]))
    .execute();
}

export async function listRegions(db: Db, asOf?: string): Promise<Region[]> {
  let query = db.selectFrom('region').selectAll();
  if (asOf) {
    query = query
      .where('valid_from', '<=', asOf)
      .where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>=', asOf)]));
  }
  return query.orderBy('valid_from').orderBy('code').execute();
}

export type MembershipWithRegion = StpRegionMembership & { region: Region };

/** Every region membership of the given STPs, with the region, in one statement. */
export async function membershipsOfStps(db: Db, stpCodes: readonly string[]): Promise<MembershipWithRegion[]> {
  if (stpCodes.length === 0) return [];
  // The whole region row as one value (as membershipsOfRegions does for the STP): a column added to
  // region reaches every caller without being listed here.
  return db
    .selectFrom('stp_region_membership as m')
    .innerJoin('region as r', 'r.code', 'm.region_code')
    .selectAll('m')
    .select(sql<Region>`to_jsonb(r)`.as('region'))
    .where('m.stp_code', 'in', stpCodes)
    .orderBy('m.stp_code')
    .orderBy(sql`m.valid_from nulls first`)
    .execute();
}

export type MembershipWithStp = StpRegionMembership & { stp: Stp };

/** Every STP membership of the given regions, with the STP, in one statement. */
export async function membershipsOfRegions(db: Db, regionCodes: readonly string[]): Promise<MembershipWithStp[]> {
  if (regionCodes.length === 0) return [];
  const rows = await db
    .selectFrom('stp_region_membership as m')
    .innerJoin('stp as s', 's.code', 'm.stp_code')
    .select([
      'm.id',
      'm.stp_code',
      'm.region_code',
      'm.valid_from',
      'm.valid_to',
      'm.basis',
      'm.explanation',
      'm.source_document',
      'm.source_line',
      'm.source_text',
      sql<Stp>`to_jsonb(s)`.as('stp'),
    ])
    .where('m.region_code', 'in', regionCodes)
    .orderBy('s.name')
    .execute();
  return rows;
}

export async function onsCodesOfStps(db: Db, stpCodes: readonly string[]): Promise<StpOnsCode[]> {
  if (stpCodes.length === 0) return [];
  return db.selectFrom('stp_ons_code').selectAll().where('stp_code', 'in', stpCodes).orderBy('ons_code').execute();
}

export async function icsOfStps(db: Db, stpCodes: readonly string[]): Promise<IcsDesignation[]> {
  if (stpCodes.length === 0) return [];
  return db.selectFrom('ics_designation').selectAll().where('stp_code', 'in', stpCodes).orderBy('list_line').execute();
}

export type IcsStatus = 'FIRST_WAVE' | 'SECOND_WAVE' | 'NONE';
export type StpOrder = 'NAME' | 'CODE' | 'POPULATION';

export interface StpFilter {
  nameContains?: string | null | undefined;
  regionCode?: string | null | undefined;
  /** Membership date for `regionCode`, and the STP must exist on it. */
  asOf?: string | null | undefined;
  icsStatus?: IcsStatus | null | undefined;
  inTracker?: boolean | null | undefined;
}

export interface StpPageRequest {
  filter: StpFilter;
  orderBy: StpOrder;
  descending: boolean;
  limit: number;
  offset: number;
}

/**
 * One page of STPs and the total matching count: two statements, sent together. A window count
 * (count(*) over ()) would be one statement but sorts every matching row to return fifty; this way
 * the page walks the (name, code) index and stops, so a page costs the same at 100x the STPs.
 */
export async function listStps(db: Db, request: StpPageRequest): Promise<CountedRows<Stp>> {
  const { filter } = request;
  let query = db.selectFrom('stp');
  if (filter.nameContains) {
    const pattern = `%${filter.nameContains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) => eb.or([eb('stp.name', 'ilike', pattern), eb('stp.official_name', 'ilike', pattern)]));
  }
  if (filter.inTracker !== undefined && filter.inTracker !== null) {
    query = query.where('stp.tracker_heading_line', filter.inTracker ? 'is not' : 'is', null);
  }
  const asOf = filter.asOf;
  if (asOf) {
    query = query
      .where((eb) => eb.or([eb('stp.valid_from', 'is', null), eb('stp.valid_from', '<=', asOf)]))
      .where((eb) => eb.or([eb('stp.valid_to', 'is', null), eb('stp.valid_to', '>=', asOf)]));
  }
  if (filter.regionCode) {
    const regionCode = filter.regionCode.toUpperCase();
    const on = asOf ?? new Date().toISOString().slice(0, 10);
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('stp_region_membership as m')
          .innerJoin('region as r', 'r.code', 'm.region_code')
          .select('m.id')
          .whereRef('m.stp_code', '=', 'stp.code')
          .where((eb) => eb.or([eb('r.code', '=', regionCode), eb('r.ons_code', '=', regionCode)]))
          .where((eb) => eb.or([eb('m.valid_from', 'is', null), eb('m.valid_from', '<=', on)]))
          .where((eb) => eb.or([eb('m.valid_to', 'is', null), eb('m.valid_to', '>=', on)])),
      ),
    );
  }
  if (filter.icsStatus) {
    const status = filter.icsStatus;
    query = query.where(({ exists, not, selectFrom, and, eb }) => {
      const wave = (w: 'FIRST_WAVE' | 'SECOND_WAVE' | null) => {
        let sub = selectFrom('ics_designation as i').select('i.id').whereRef('i.stp_code', '=', 'stp.code');
        if (w) sub = sub.where('i.wave', '=', w);
        return exists(sub);
      };
      if (status === 'FIRST_WAVE') return wave('FIRST_WAVE');
      if (status === 'SECOND_WAVE') return and([wave('SECOND_WAVE'), not(wave('FIRST_WAVE'))]);
      return and([not(wave(null)), eb('stp.tracker_heading_line', 'is not', null)]);
    });
  }
  const column = request.orderBy === 'NAME' ? 'stp.name' : request.orderBy === 'CODE' ? 'stp.code' : 'stp.population';
  const direction = request.descending ? 'desc' : 'asc';
  const [rows, totalCount] = await Promise.all([
    query
      .selectAll('stp')
      .orderBy(column, (o) => (request.descending ? o.desc().nullsLast() : o.asc().nullsLast()))
      .orderBy('stp.code', direction)
      .limit(request.limit)
      .offset(request.offset)
      .execute(),
    countRows(query),
  ]);
  return { rows, totalCount };
}

export async function predecessorsOfStps(db: Db, stpCodes: readonly string[]): Promise<Stp[]> {
  if (stpCodes.length === 0) return [];
  return db.selectFrom('stp').selectAll().where('successor_code', 'in', stpCodes).orderBy('code').execute();
}

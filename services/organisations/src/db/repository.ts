import { type CountedRows, countRows, TOTAL_COUNT, withTotalCount } from '@nhs-hub/kit/subgraph';
import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import type { OrganisationKind } from '../domain/kinds.js';
import type {
  Organisation,
  OrganisationSource,
  OrganisationsDatabase,
  Person,
  RegionLeadershipNote,
  RoleKind,
  RoleWithOrganisations,
} from './types.js';

type Db = Kysely<OrganisationsDatabase>;

/** The organisation ids of a role, in the order its line names them, as a JSON array in the same statement. */
function organisationIds(eb: ExpressionBuilder<OrganisationsDatabase & { r: OrganisationsDatabase['role'] }, 'r'>) {
  const ids = eb
    .selectFrom('role_organisation as ro')
    .select(sql<string[]>`jsonb_agg(ro.organisation_id order by ro.position)`.as('ids'))
    .whereRef('ro.role_id', '=', 'r.id');
  return sql<string[]>`coalesce((${ids}), '[]'::jsonb)`.as('organisation_ids');
}

export async function findOrganisationsByIds(db: Db, ids: readonly string[]): Promise<Organisation[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('organisation').selectAll().where('id', 'in', ids).execute();
}

export async function findPeopleByIds(db: Db, ids: readonly string[]): Promise<Person[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('person').selectAll().where('id', 'in', ids).execute();
}

export async function sourcesOfOrganisations(db: Db, ids: readonly string[]): Promise<OrganisationSource[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('organisation_source')
    .selectAll()
    .where('organisation_id', 'in', ids)
    .orderBy('organisation_id')
    .orderBy('position')
    .execute();
}

export async function rolesOfPeople(db: Db, personIds: readonly string[]): Promise<RoleWithOrganisations[]> {
  if (personIds.length === 0) return [];
  return db
    .selectFrom('role as r')
    .selectAll('r')
    .select(organisationIds)
    .where('r.person_id', 'in', personIds)
    .orderBy('r.position')
    .execute();
}

export type RoleThroughOrganisation = RoleWithOrganisations & { through_organisation_id: string };

/** Roles held through each organisation (a role naming two organisations appears under both). */
export async function rolesOfOrganisations(db: Db, ids: readonly string[]): Promise<RoleThroughOrganisation[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('role as r')
    .innerJoin('role_organisation as via', 'via.role_id', 'r.id')
    .selectAll('r')
    .select('via.organisation_id as through_organisation_id')
    .select(organisationIds)
    .where('via.organisation_id', 'in', ids)
    .orderBy('r.position')
    .execute();
}

export async function rolesOfStps(
  db: Db,
  stpCodes: readonly string[],
  kind: RoleKind,
): Promise<RoleWithOrganisations[]> {
  if (stpCodes.length === 0) return [];
  return db
    .selectFrom('role as r')
    .selectAll('r')
    .select(organisationIds)
    .where('r.stp_code', 'in', stpCodes)
    .where('r.kind', '=', kind)
    .orderBy('r.position')
    .execute();
}

export async function rolesOfRegions(db: Db, regionCodes: readonly string[]): Promise<RoleWithOrganisations[]> {
  if (regionCodes.length === 0) return [];
  return db
    .selectFrom('role as r')
    .selectAll('r')
    .select(organisationIds)
    .where('r.region_code', 'in', regionCodes)
    .orderBy('r.position')
    .execute();
}

export async function notesOfRegions(db: Db, regionCodes: readonly string[]): Promise<RegionLeadershipNote[]> {
  if (regionCodes.length === 0) return [];
  return db
    .selectFrom('region_leadership_note')
    .selectAll()
    .where('region_code', 'in', regionCodes)
    .orderBy('region_code')
    .orderBy('position')
    .execute();
}

/** A case-insensitive substring pattern, with LIKE's own wildcards taken literally. */
function containsPattern(fragment: string): string {
  return `%${fragment.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** One page of organisations by name and the total, in one statement (two only when asked past the end). */
export async function listOrganisations(
  db: Db,
  filter: { search?: string | null | undefined; kind?: OrganisationKind | null | undefined },
  limit: number,
  offset: number,
): Promise<CountedRows<Organisation>> {
  let query = db.selectFrom('organisation').selectAll();
  if (filter.search) query = query.where('name', 'ilike', containsPattern(filter.search));
  if (filter.kind) query = query.where('kind', '=', filter.kind);
  const rows = await query.select(TOTAL_COUNT).orderBy('name').orderBy('id').limit(limit).offset(offset).execute();
  return withTotalCount(rows, { limit, offset }, () => countRows(query));
}

/** One page of people by family name and the total, in one statement (two only when asked past the end). */
export async function listPeople(
  db: Db,
  filter: { search?: string | null | undefined },
  limit: number,
  offset: number,
): Promise<CountedRows<Person>> {
  let query = db.selectFrom('person').selectAll();
  if (filter.search) query = query.where('name', 'ilike', containsPattern(filter.search));
  const rows = await query
    .select(TOTAL_COUNT)
    .orderBy('family_name')
    .orderBy('given_name')
    .orderBy('id')
    .limit(limit)
    .offset(offset)
    .execute();
  return withTotalCount(rows, { limit, offset }, () => countRows(query));
}

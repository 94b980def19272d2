import { type CountedRows, countRows, TOTAL_COUNT, withTotalCount } from '@nhs-hub/kit/subgraph';
import { type Kysely, sql } from 'kysely';
import type {
  Consideration,
  MatchedIn,
  PriorityKind,
  Priority,
  Programme,
  ProgrammeSource,
  ProgrammesDatabase,
  StatedOutcome,
  SubPoint,
} from './types.js';

type Db = Kysely<ProgrammesDatabase>;

export async function listProgrammes(db: Db): Promise<Programme[]> {
  return db.selectFrom('programme').selectAll().orderBy('position').execute();
}

export async function findProgrammesByCodes(db: Db, codes: readonly string[]): Promise<Programme[]> {
  if (codes.length === 0) return [];
  return db.selectFrom('programme').selectAll().where('code', 'in', codes).execute();
}

export async function sourcesOfProgrammes(db: Db, codes: readonly string[]): Promise<ProgrammeSource[]> {
  if (codes.length === 0) return [];
  return db
    .selectFrom('programme_source')
    .selectAll()
    .where('programme_code', 'in', codes)
    .orderBy('programme_code')
    .orderBy('position')
    .execute();
}

export async function findPrioritiesByIds(db: Db, ids: readonly string[]): Promise<Priority[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('priority').selectAll().where('id', 'in', ids).execute();
}

/** Top-level priorities (focuses and the paper's priorities) of the given STPs, in order. */
export async function topPrioritiesOfStps(db: Db, stpCodes: readonly string[]): Promise<Priority[]> {
  if (stpCodes.length === 0) return [];
  return db
    .selectFrom('priority')
    .selectAll()
    .where('stp_code', 'in', stpCodes)
    .where('parent_id', 'is', null)
    .orderBy('stp_code')
    .orderBy('sort_key')
    .execute();
}

export async function childrenOfPriorities(db: Db, ids: readonly string[]): Promise<Priority[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('priority').selectAll().where('parent_id', 'in', ids).orderBy('sort_key').execute();
}

export async function subPointsOfOwners(db: Db, ownerIds: readonly string[]): Promise<SubPoint[]> {
  if (ownerIds.length === 0) return [];
  return db
    .selectFrom('sub_point')
    .selectAll()
    .where('owner_id', 'in', ownerIds)
    .orderBy('owner_id')
    .orderBy('position')
    .execute();
}

export async function outcomesOfPriorities(db: Db, ids: readonly string[]): Promise<StatedOutcome[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('stated_outcome')
    .selectAll()
    .where('priority_id', 'in', ids)
    .orderBy('priority_id')
    .orderBy('position')
    .execute();
}

export interface MatchWithProgramme {
  priority_id: string;
  rule: string;
  matched_text: string;
  matched_in: MatchedIn;
  programme: Programme;
}

/** Programme matches of the given priorities, with the programme, in programme order, in one statement. */
export async function matchesOfPriorities(db: Db, ids: readonly string[]): Promise<MatchWithProgramme[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('priority_programme as m')
    .innerJoin('programme as p', 'p.code', 'm.programme_code')
    .select(['m.priority_id', 'm.rule', 'm.matched_text', 'm.matched_in', sql<Programme>`to_jsonb(p)`.as('programme')])
    .where('m.priority_id', 'in', ids)
    .orderBy('p.position')
    .execute();
}

export type PriorityOfProgramme = Priority & { programme_code: string };

/** Every priority under the given programmes, ordered by STP then the STP's own order. */
export async function prioritiesOfProgrammes(db: Db, codes: readonly string[]): Promise<PriorityOfProgramme[]> {
  if (codes.length === 0) return [];
  return db
    .selectFrom('priority_programme as m')
    .innerJoin('priority', 'priority.id', 'm.priority_id')
    .selectAll('priority')
    .select('m.programme_code')
    .where('m.programme_code', 'in', codes)
    .orderBy('priority.stp_code')
    .orderBy('priority.sort_key')
    .execute();
}

/** Distinct STP codes with at least one priority under each programme, sorted. */
export async function stpCodesOfProgrammes(
  db: Db,
  codes: readonly string[],
): Promise<{ programme_code: string; stp_code: string }[]> {
  if (codes.length === 0) return [];
  return db
    .selectFrom('priority_programme as m')
    .innerJoin('priority', 'priority.id', 'm.priority_id')
    .select(['m.programme_code', 'priority.stp_code'])
    .distinct()
    .where('m.programme_code', 'in', codes)
    .orderBy('m.programme_code')
    .orderBy('priority.stp_code')
    .execute();
}

export async function considerationsOfStps(db: Db, stpCodes: readonly string[]): Promise<Consideration[]> {
  if (stpCodes.length === 0) return [];
  return db
    .selectFrom('consideration')
    .selectAll()
    .where('stp_code', 'in', stpCodes)
    .orderBy('stp_code')
    .orderBy('position')
    .execute();
}

export interface StpProgrammeCount {
  stp_code: string;
  programme_code: string;
  priority_count: number;
}

/** Per STP and programme, how many priority items (any kind) fall under the programme. */
export async function programmeCountsOfStps(db: Db, stpCodes: readonly string[]): Promise<StpProgrammeCount[]> {
  if (stpCodes.length === 0) return [];
  return db
    .selectFrom('priority_programme as m')
    .innerJoin('priority', 'priority.id', 'm.priority_id')
    .select(['priority.stp_code', 'm.programme_code', sql<number>`count(*)`.as('priority_count')])
    .where('priority.stp_code', 'in', stpCodes)
    .groupBy(['priority.stp_code', 'm.programme_code'])
    .execute();
}

export interface PriorityFilter {
  programme?: string | null | undefined;
  stp?: string | null | undefined;
  textSearch?: string | null | undefined;
  kind?: PriorityKind | null | undefined;
}

/** One page of priorities (every kind, work streams included) and the total, in one statement. */
export async function listPriorities(
  db: Db,
  filter: PriorityFilter,
  limit: number,
  offset: number,
): Promise<CountedRows<Priority>> {
  let query = db.selectFrom('priority').selectAll('priority').select(TOTAL_COUNT);
  if (filter.stp) query = query.where('priority.stp_code', '=', filter.stp);
  if (filter.kind) query = query.where('priority.kind', '=', filter.kind);
  const programme = filter.programme;
  if (programme) {
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('priority_programme as m')
          .select('m.priority_id')
          .whereRef('m.priority_id', '=', 'priority.id')
          .where('m.programme_code', '=', programme),
      ),
    );
  }
  if (filter.textSearch) {
    const pattern = `%${filter.textSearch.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) =>
      eb.or([
        eb('priority.title', 'ilike', pattern),
        eb('priority.summary', 'ilike', pattern),
        eb.exists(
          eb
            .selectFrom('sub_point as s')
            .select('s.owner_id')
            .whereRef('s.owner_id', '=', 'priority.id')
            .where('s.text', 'ilike', pattern),
        ),
      ]),
    );
  }
  const rows = await query
    .orderBy('priority.stp_code')
    .orderBy('priority.sort_key')
    .limit(limit)
    .offset(offset)
    .execute();
  return withTotalCount(rows, { limit, offset }, () => countRows(query));
}

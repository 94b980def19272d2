import {
  cite,
  DataFileError,
  type DataProblem,
  type DeriveContext,
  type FlagShape,
  type LoadableTable,
  type RowChange,
  sameValue,
  throwIfProblems,
} from '@nhs-hub/kit/subgraph';
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import type {
  NewOrganisation,
  NewOrganisationSource,
  NewPerson,
  NewRegionLeadershipNote,
  NewRole,
  RoleOrganisationTable,
} from '../db/types.js';
import { DATA_FILES, DataFolder } from './files.js';
import { namingProblem, OrganisationSourceRow } from './organisation-sources.js';
import { OrganisationRow, odsCitation, organisationOf, organisationProblems } from './organisations.js';
import { PersonRow, personOf } from './people.js';
import {
  DERIVED_ROLE_FLAGS,
  flagDuplicatedLeads,
  namedAtOf,
  organisationLinkProblems,
  RoleRow,
  roleFlags,
  roleOf,
  roleOrganisationsOf,
  rolePersonProblems,
  roleRowProblems,
} from './roles.js';
import { RegionNoteRow } from './region-leadership.js';
import { readSections, type Sections } from './sections.js';

/**
 * A load reads an empty cell as missing (null) where roles.csv's reader gives ''. The columns the
 * seed lets be empty take '' again; the others stay missing, so their message is 'column x is required'.
 */
const OPTIONAL_COLUMNS = ['stp_code', 'organisation_ids', 'organisation_line', 'affiliation_as_written', 'name_line'];
const LoadedRoleRow = z.preprocess(
  (value) =>
    value !== null && typeof value === 'object'
      ? Object.fromEntries(
          Object.entries(value).map(([k, v]) => [k, v === null && OPTIONAL_COLUMNS.includes(k) ? '' : v]),
        )
      : value,
  RoleRow,
);

let sections: Sections | null = null;
/** The tracker's STP sections, read from the subgraph's own data file once (reference data, not loaded). */
function trackerSections(): Sections {
  if (sections) return sections;
  const problems: DataProblem[] = [];
  const read = readSections(new DataFolder(), problems);
  throwIfProblems(problems);
  sections = read;
  return read;
}

/** A role row as a load writes it: its position and flags are the table's to decide (derived in the same release). */
export type LoadedRole = Omit<NewRole, 'position' | 'flags'> & { id: string; source_line: number };

interface StoredRole {
  id: string;
  kind: NewRole['kind'];
  person_id: string;
  stp_code: string | null;
  affiliation_as_written: string | null;
  source_line: number;
  source_text: string;
  flags: FlagShape[];
}

const linkKey = (l: Pick<RoleOrganisationTable, 'role_id' | 'organisation_id'>) =>
  `${l.role_id}\u0000${l.organisation_id}`;

/**
 * After the roles are written: checks each row against the people, organisations and the lines
 * naming them (the seed's checks, on the tables), writes each loaded role's organisation links, and
 * re-derives every role's flags (a lead loaded for one STP can make another's DUPLICATED_LEAD).
 */
async function deriveRoleRows(
  trx: Kysely<unknown>,
  changes: readonly RowChange[],
  { schema, file, records }: DeriveContext,
): Promise<readonly RowChange[]> {
  const t = (table: string) => sql.table(`${schema}.${table}`);
  const rows = records.map(({ value, line }) => ({ line, r: LoadedRoleRow.parse(value) }));
  const { rows: people } = await sql<{ id: string; name: string }>`select id, name from ${t('person')}`.execute(trx);
  const { rows: organisations } = await sql<{ id: string }>`select id from ${t('organisation')}`.execute(trx);
  const { rows: named } = await sql<{
    organisation_id: string;
    source_document: string;
    source_line: number;
  }>`select organisation_id, source_document, source_line from ${t('organisation_source')}`.execute(trx);
  const { rows: roles } = await sql<StoredRole>`select id, kind, person_id, stp_code, affiliation_as_written,
      source_line, source_text, flags from ${t('role')} order by position`.execute(trx);
  const { rows: links } = await sql<RoleOrganisationTable>`select role_id, organisation_id, position
      from ${t('role_organisation')} order by role_id, position`.execute(trx);

  const personById = new Map(people.map((p) => [p.id, p]));
  const organisationIds = new Set(organisations.map((o) => o.id));
  const namedAt = namedAtOf(named);
  const roleById = new Map(roles.map((r) => [r.id, r]));
  const statedOf = (id: string): FlagShape[] | undefined => {
    const stated = roleById.get(id)?.flags.filter((f) => !DERIVED_ROLE_FLAGS.has(f.code)) ?? [];
    return stated.length ? stated : undefined;
  };

  const problems: DataProblem[] = [];
  for (const { r, line } of rows)
    for (const p of [
      ...rolePersonProblems(r, personById.get(r.person_id)),
      ...organisationLinkProblems(r, { organisationIds, namedAt, stated: statedOf(r.id) }),
    ])
      problems.push({ file, line, ...p });
  if (problems.length) throw new DataFileError(problems.sort((a, b) => a.line - b.line));

  // Links: the file's roles have the links their rows name; a deleted role has none.
  const lineOf = new Map(rows.map(({ r, line }) => [r.id, line]));
  const wanted = new Map<string, RoleOrganisationTable[]>(rows.map(({ r }) => [r.id, roleOrganisationsOf(r)]));
  for (const c of changes) if (c.table === 'role' && c.op === 'delete') wanted.set(String(c.key.id), []);
  const derived: RowChange[] = [];
  const current = new Map(links.filter((l) => wanted.has(l.role_id)).map((l) => [linkKey(l), l]));
  const next = new Map([...wanted.values()].flat().map((l) => [linkKey(l), l]));
  const source = (roleId: string) => ({ file, line: lineOf.get(roleId) ?? 0 });
  for (const [key, before] of current) {
    const after = next.get(key);
    const id = { role_id: before.role_id, organisation_id: before.organisation_id };
    if (!after) {
      await sql`delete from ${t('role_organisation')} where role_id = ${before.role_id} and organisation_id = ${before.organisation_id}`.execute(
        trx,
      );
      derived.push({
        table: 'role_organisation',
        key: id,
        op: 'delete',
        before: { ...before },
        after: null,
        source: source(before.role_id),
      });
    } else if (after.position !== before.position) {
      await sql`update ${t('role_organisation')} set position = ${after.position}
        where role_id = ${before.role_id} and organisation_id = ${before.organisation_id}`.execute(trx);
      derived.push({
        table: 'role_organisation',
        key: id,
        op: 'update',
        before: { position: before.position },
        after: { position: after.position },
        source: source(before.role_id),
      });
    }
  }
  for (const [key, after] of next) {
    if (current.has(key)) continue;
    await sql`insert into ${t('role_organisation')} (role_id, organisation_id, position)
      values (${after.role_id}, ${after.organisation_id}, ${after.position})`.execute(trx);
    derived.push({
      table: 'role_organisation',
      key: { role_id: after.role_id, organisation_id: after.organisation_id },
      op: 'insert',
      before: null,
      after: { ...after },
      source: source(after.role_id),
    });
  }

  // Flags, for every role: as the seed derives them, from the links as they now stand.
  const linkCount = new Map<string, number>();
  for (const l of [...links.filter((l) => !wanted.has(l.role_id)), ...next.values()])
    linkCount.set(l.role_id, (linkCount.get(l.role_id) ?? 0) + 1);
  const flagsById = new Map(
    roles.map((r) => [
      r.id,
      roleFlags(r, linkCount.get(r.id) ?? 0, personById.get(r.person_id)?.name, statedOf(r.id) ?? []),
    ]),
  );
  flagDuplicatedLeads(roles, trackerSections(), flagsById);
  for (const r of roles) {
    const flags = flagsById.get(r.id) ?? [];
    if (sameValue(r.flags, flags)) continue;
    await sql`update ${t('role')} set flags = ${JSON.stringify(flags)}::jsonb where id = ${r.id}`.execute(trx);
    derived.push({
      table: 'role',
      key: { id: r.id },
      op: 'update',
      before: { flags: r.flags },
      after: { flags },
      source: source(r.id),
    });
  }
  return derived;
}

/**
 * `npm run load -- organisations role <file>`: a file in roles.csv's format (one post as one line
 * states it), each row checked as the seed checks it: the id, title and text against the cited line,
 * an STP lead in its STP's section of the tracker and written "**Lead:** <name>, <affiliation>", the
 * STP one geography publishes, the person and every organisation known here and named on the line
 * the row says. One release writes the roles, their organisation links (role_organisation) and the
 * flags derived from all roles. Roles are known by their id (document number, line and kind).
 */
export const roleLoadable: LoadableTable<LoadedRole> = {
  table: 'role',
  row: LoadedRoleRow.transform((r, ctx) => {
    for (const { column, reason } of roleRowProblems(r, trackerSections()))
      ctx.issues.push({ code: 'custom', path: [column], message: reason, input: r });
    return roleOf(r) as LoadedRole;
  }),
  columns: Object.keys(RoleRow.shape),
  key: ['id'],
  citations: (row) => [{ column: 'text', citation: cite(row.source_document, row.source_line, row.source_text) }],
  derives: ['role_organisation'],
  derivesFromFile: true,
  derive: deriveRoleRows,
};

/**
 * A load reads an empty cell as missing (null) where organisations.csv's reader gives '': every
 * column but id and name may be empty there.
 */
const LoadedOrganisationRow = z.preprocess(
  (value) =>
    value !== null && typeof value === 'object'
      ? Object.fromEntries(
          Object.entries(value).map(([k, v]) => [k, v === null && k !== 'id' && k !== 'name' ? '' : v]),
        )
      : value,
  OrganisationRow,
);

/** An organisation as a load writes it: its position is the table's to decide. */
export type LoadedOrganisation = Omit<NewOrganisation, 'position'> & { id: string; name: string };

/**
 * After the organisations are written: each must still be named, as written, on a line of
 * organisation-sources.csv (its table), and one deleted must be named and linked nowhere.
 */
async function checkOrganisations(
  trx: Kysely<unknown>,
  changes: readonly RowChange[],
  { schema, file, records }: DeriveContext,
): Promise<readonly RowChange[]> {
  const t = (table: string) => sql.table(`${schema}.${table}`);
  const ids = changes.map((c) => String(c.key.id));
  const { rows: named } = await sql<{
    organisation_id: string;
    source_text: string;
  }>`select organisation_id, source_text
    from ${t('organisation_source')} where organisation_id in (${sql.join(ids)}) order by organisation_id, position`.execute(
    trx,
  );
  const { rows: linked } = await sql<{ organisation_id: string; n: number }>`select organisation_id, count(*)::int as n
    from ${t('role_organisation')} where organisation_id in (${sql.join(ids)}) group by organisation_id`.execute(trx);
  const textsOf = (id: string) => named.filter((n) => n.organisation_id === id).map((n) => n.source_text);
  const problems: DataProblem[] = [];
  for (const { value, line } of records) {
    const o = LoadedOrganisationRow.parse(value);
    if (!ids.includes(o.id)) continue;
    const problem = namingProblem(o, textsOf(o.id));
    if (problem) problems.push({ file, line, ...problem });
  }
  for (const c of changes.filter((c) => c.op === 'delete')) {
    const id = String(c.key.id);
    const line = c.source?.line ?? 0;
    const texts = textsOf(id).length;
    if (texts)
      problems.push({
        file,
        line,
        column: 'id',
        reason: `${id} is still named on ${texts} line(s) of ${DATA_FILES.organisationSources}`,
      });
    const roles = linked.find((l) => l.organisation_id === id)?.n ?? 0;
    if (roles)
      problems.push({ file, line, column: 'id', reason: `${id} is still the organisation of ${roles} role(s)` });
  }
  if (problems.length) throw new DataFileError(problems.sort((a, b) => a.line - b.line));
  return [];
}

/**
 * `npm run load -- organisations organisation <file>`: a file in organisations.csv's format, each
 * row checked as the seed checks it: the id the slug of the name, the kind derived from the name,
 * an ODS code only with the line that states it (verified), a flag with its explanation, and the
 * name as written on a line of organisation-sources.csv (so an organisation no line names yet is
 * refused). Known by their id; what they publish to other subgraphs' loads is their data file's
 * list (npm run publish:references).
 */
export const organisationLoadable: LoadableTable<LoadedOrganisation> = {
  table: 'organisation',
  row: LoadedOrganisationRow.transform((o, ctx) => {
    for (const { column, reason } of organisationProblems(o))
      ctx.issues.push({ code: 'custom', path: [column], message: reason, input: o });
    return organisationOf(o) as LoadedOrganisation;
  }),
  columns: Object.keys(OrganisationRow.shape),
  key: ['id'],
  citations: (row) =>
    row.ods_code && row.ods_source_document && row.ods_source_line !== null && row.ods_source_line !== undefined
      ? odsCitation({
          ods_code: row.ods_code,
          ods_document: row.ods_source_document,
          ods_line: row.ods_source_line,
          ods_text: row.ods_source_text ?? '',
        })
      : [],
  references: [],
  derive: checkOrganisations,
};

/** A person as a load writes it: the position is the table's to decide. */
export type LoadedPerson = Omit<NewPerson, 'position'> & { id: string; name: string };

/**
 * After the people are written: every role of a person whose name changed must still have the name
 * standing on its cited line (and a lead read "**Lead:** <name>, ..."); a person deleted must hold
 * no role.
 */
async function checkPeople(
  trx: Kysely<unknown>,
  changes: readonly RowChange[],
  { schema, file }: DeriveContext,
): Promise<readonly RowChange[]> {
  const t = (table: string) => sql.table(`${schema}.${table}`);
  const ids = changes.map((c) => String(c.key.id));
  const { rows: people } = await sql<{ id: string; name: string }>`select id, name from ${t('person')}
    where id in (${sql.join(ids)})`.execute(trx);
  const { rows: roles } = await sql<{
    id: string;
    person_id: string;
    kind: NewRole['kind'];
    source_document: string;
    source_line: number;
    source_text: string;
    name_line: number;
    affiliation_as_written: string | null;
  }>`select id, person_id, kind, source_document, source_line, source_text, name_line, affiliation_as_written
    from ${t('role')} where person_id in (${sql.join(ids)}) order by position`.execute(trx);
  const problems: DataProblem[] = [];
  for (const c of changes) {
    const id = String(c.key.id);
    const line = c.source?.line ?? 0;
    const person = people.find((p) => p.id === id);
    for (const role of roles.filter((r) => r.person_id === id)) {
      if (!person) {
        problems.push({ file, line, column: 'id', reason: `${id} still holds role ${role.id}` });
        continue;
      }
      const stated = {
        person_id: id,
        document: role.source_document,
        line: role.source_line,
        name_line: role.name_line,
        kind: role.kind,
        affiliation_as_written: role.affiliation_as_written ?? '',
        text: role.source_text,
      };
      for (const p of rolePersonProblems(stated, person))
        problems.push({ file, line, column: 'name', reason: `role ${role.id} (${DATA_FILES.roles}): ${p.reason}` });
    }
  }
  if (problems.length) throw new DataFileError(problems.sort((a, b) => a.line - b.line));
  return [];
}

/**
 * `npm run load -- organisations person <file>`: a file in people.csv's format, each row checked as
 * the seed checks it: a family name in the name as written, the id the slug of the name without
 * honorifics, its parts split by names.ts; every role of the person must still find the name on
 * its cited line. Known by their id.
 */
export const personLoadable: LoadableTable<LoadedPerson> = {
  table: 'person',
  row: PersonRow.transform((p, ctx) => {
    const person = personOf(p);
    for (const { column, reason } of person.problems)
      ctx.issues.push({ code: 'custom', path: [column], message: reason, input: p });
    return (person.row ?? { id: p.id, name: p.name }) as LoadedPerson;
  }),
  columns: Object.keys(PersonRow.shape),
  key: ['id'],
  references: [],
  derive: checkPeople,
};

/** A line naming an organisation as a load writes it: its position is the next among the organisation's lines. */
export type LoadedOrganisationSource = Omit<NewOrganisationSource, 'position'>;

/**
 * After the lines are written, for every organisation whose lines the file touched: it is one this
 * subgraph has, a line still names it with its name as written, and every role linked to it still
 * finds it named on the line the role gives (its organisation_line). Writes nothing.
 */
async function checkOrganisationSources(
  trx: Kysely<unknown>,
  changes: readonly RowChange[],
  { schema, file }: DeriveContext,
): Promise<readonly RowChange[]> {
  const own = changes.filter((c) => c.table === 'organisation_source');
  if (own.length === 0) return [];
  const t = (table: string) => sql.table(`${schema}.${table}`);
  const ids = [...new Set(own.map((c) => String(c.key.organisation_id)))];
  const { rows: organisations } = await sql<{ id: string; name: string }>`select id, name from ${t('organisation')}
    where id in (${sql.join(ids)})`.execute(trx);
  const { rows: named } = await sql<{
    organisation_id: string;
    source_document: string;
    source_line: number;
    source_text: string;
  }>`select organisation_id, source_document, source_line, source_text from ${t('organisation_source')}
    where organisation_id in (${sql.join(ids)}) order by organisation_id, position`.execute(trx);
  const { rows: roles } = await sql<{
    id: string;
    organisation_id: string;
    source_document: string;
    organisation_line: number;
  }>`select r.id, ro.organisation_id, r.source_document, r.organisation_line
    from ${t('role_organisation')} ro join ${t('role')} r on r.id = ro.role_id
    where ro.organisation_id in (${sql.join(ids)}) and r.organisation_line is not null
    order by r.position`.execute(trx);
  const namedAt = namedAtOf(named);
  const lineOf = (id: string) => own.find((c) => String(c.key.organisation_id) === id)?.source?.line ?? 0;
  const problems: DataProblem[] = [];
  for (const id of ids) {
    const organisation = organisations.find((o) => o.id === id);
    const line = lineOf(id);
    if (!organisation) {
      problems.push({
        file,
        line,
        column: 'organisation_id',
        reason: `no organisation ${id} in this subgraph (${DATA_FILES.organisations} or its loads)`,
      });
      continue;
    }
    const texts = named.filter((n) => n.organisation_id === id).map((n) => n.source_text);
    const problem = namingProblem(organisation, texts);
    if (problem)
      problems.push({
        file,
        line,
        column: problem.column === 'id' ? 'organisation_id' : 'text',
        reason: problem.reason,
      });
    for (const role of roles.filter(
      (r) => r.organisation_id === id && !namedAt(id, r.source_document, r.organisation_line),
    ))
      problems.push({
        file,
        // The file's row that removed the line the role rests on.
        line:
          own.find(
            (c) =>
              c.key.organisation_id === id &&
              c.key.source_document === role.source_document &&
              Number(c.key.source_line) === role.organisation_line,
          )?.source?.line ?? line,
        column: 'line',
        reason: `role ${role.id} is linked to ${id} as named on ${role.source_document}:${role.organisation_line}, and no line of ${DATA_FILES.organisationSources} would name it there`,
      });
  }
  if (problems.length) throw new DataFileError(problems.sort((a, b) => a.line - b.line));
  return [];
}

/**
 * `npm run load -- organisations organisation_source <file>`: lines naming organisations, in
 * organisation-sources.csv's format (organisation_id, document, line, text: the name as written,
 * verbatim on that line of a seed), known by the organisation and the line. After the write every
 * organisation the file touched must be one this subgraph has, still named on a line with its name
 * as written, and every role linked to it still named where the role says. A new line takes the
 * next position among its organisation's lines.
 */
export const organisationSourceLoadable: LoadableTable<LoadedOrganisationSource> = {
  table: 'organisation_source',
  row: OrganisationSourceRow.transform((s) => ({
    organisation_id: s.organisation_id,
    source_document: s.document,
    source_line: s.line,
    source_text: s.text,
  })),
  columns: Object.keys(OrganisationSourceRow.shape),
  key: ['organisation_id', 'source_document', 'source_line'],
  // The organisation is this subgraph's own: checked against its table, not the published list.
  references: [],
  citations: (row) => [{ column: 'text', citation: cite(row.source_document, row.source_line, row.source_text) }],
  derive: checkOrganisationSources,
};

/**
 * `npm run load -- organisations region_leadership_note <file>`: what the seeds say about a
 * region's leadership, in region-leadership.csv's format (region_code, position, note, document,
 * line, text: each sentence with the line of a seed it rests on, verbatim), known by the region and
 * the sentence's position. The region must be one geography publishes. Region.leadershipNote and
 * leadershipSources answer the notes in position order.
 */
export const regionLeadershipNoteLoadable: LoadableTable<Required<NewRegionLeadershipNote>> = {
  table: 'region_leadership_note',
  row: RegionNoteRow.transform((r) => ({
    region_code: r.region_code,
    position: r.position,
    note: r.note,
    source_document: r.document,
    source_line: r.line,
    source_text: r.text,
  })),
  columns: Object.keys(RegionNoteRow.shape),
  key: ['region_code', 'position'],
  citations: (row) => [{ column: 'text', citation: cite(row.source_document, row.source_line, row.source_text) }],
};

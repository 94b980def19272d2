import { fileURLToPath } from 'node:url';
import {
  checkCitation,
  type DataProblem,
  type DataRow,
  displayPath,
  type FlagShape,
  readCsv,
  type SeedReport,
  SOURCE_DOCUMENTS,
  sourceDocument,
  sourceLines,
  throwIfProblems,
  verifyCitations,
} from '@nhs-hub/kit';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { organisationKind } from '../kinds.js';
import { parsePersonName, slugify } from '../names.js';
import { DATED_PARTS, datedPartOf, REGIONS_LIST, SEED_DOCUMENTS, TRACKER } from './documents.js';
import { replaceAll } from './repository.js';
import {
  type NewOrganisation,
  type NewOrganisationSource,
  type NewPerson,
  type NewRegionLeadershipNote,
  type NewRole,
  type NewRoleOrganisation,
  ROLE_KINDS,
  type OrganisationsDatabase,
} from './types.js';

export const ORGANISATIONS_DATA_DIR = fileURLToPath(new URL('../../data/', import.meta.url));
// Named by its source path even when compiled: the place a data engineer edits.
const DOCUMENTS_TS = fileURLToPath(new URL('../../src/db/documents.ts', import.meta.url));

export const DATA_FILES = {
  trackerSections: 'tracker-sections.csv',
  organisations: 'organisations.csv',
  organisationSources: 'organisation-sources.csv',
  people: 'people.csv',
  roles: 'roles.csv',
  roleFlags: 'role-flags.csv',
  regionLeadership: 'region-leadership.csv',
} as const;

/** The label every STP section of the tracker puts before its lead. */
const LEAD_LABEL = '**Lead:**';

const slug = z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'expected a slug such as south-west-lincolnshire-ccg');
const line = z.coerce.number().int().positive();
const optionalLine = z.union([z.literal(''), line]);
const seedDocument = z.enum(SEED_DOCUMENTS);
const flagCode = z.string().regex(/^[A-Z][A-Z_]+$/, 'expected a flag code such as INFERRED');
const optionalFlagCode = z.union([z.literal(''), flagCode]);
const stpCode = z.string().regex(/^Q[A-Z0-9]{2}$/, 'expected an STP ODS code such as QJM');

const SectionRow = z.object({ stp_code: stpCode, tracker_name: z.string().min(1), heading_line: line, heading_text: z.string().min(1) });
const OrganisationRow = z.object({
  id: slug,
  name: z.string().min(1),
  ods_code: z.union([z.literal(''), z.string().regex(/^[A-Z0-9]{3,6}$/, 'expected an ODS code such as 04Q or RWD')]),
  ods_document: z.union([z.literal(''), z.enum(SOURCE_DOCUMENTS.map((d) => d.file) as [string, ...string[]])]),
  ods_line: optionalLine,
  ods_text: z.string(),
  flag: optionalFlagCode,
  flag_explanation: z.string(),
});
const OrganisationSourceRow = z.object({ organisation_id: slug, document: seedDocument, line, text: z.string().min(1) });
const PersonRow = z.object({ id: slug, name: z.string().min(1) });
const RoleRow = z.object({
  id: z.string().regex(/^\d{3}-\d+-[a-z-]+$/, 'expected <document number>-<line>-<kind>, e.g. 002-822-stp-lead'),
  person_id: slug,
  kind: z.enum(ROLE_KINDS),
  title: z.string().min(1),
  stp_code: z.union([z.literal(''), stpCode]),
  organisation_ids: z
    .string()
    .transform((s) => (s === '' ? [] : s.split(';')))
    .pipe(z.array(slug)),
  organisation_line: optionalLine,
  affiliation_as_written: z.string(),
  document: seedDocument,
  line,
  text: z.string().min(1),
  name_line: optionalLine,
});
const RoleFlagRow = z.object({ role_id: z.string().min(1), code: flagCode, explanation: z.string().min(1) });
const RegionNoteRow = z.object({
  region_code: z.string().regex(/^Y\d{2}$/, 'expected a region ODS code such as Y60'),
  position: z.coerce.number().int().positive(),
  note: z.string().min(1),
  document: seedDocument,
  line,
  text: z.string().min(1),
});

export interface OrganisationsRows {
  organisations: NewOrganisation[];
  organisationSources: NewOrganisationSource[];
  people: NewPerson[];
  roles: NewRole[];
  roleOrganisations: NewRoleOrganisation[];
  regionNotes: NewRegionLeadershipNote[];
}

export interface OrganisationsDataPaths {
  /** Folder holding the data files (see DATA_FILES); defaults to the subgraph's data/. */
  dataDir?: string;
}

const kebab = (kind: string) => kind.toLowerCase().replace(/_/g, '-');
const documentNumber = (document: string) => /seeds\/(\d{3})_/.exec(document)?.[1] ?? '';

function duplicates<T>(rows: readonly DataRow<T>[], keyOf: (row: T) => string, file: string, column: string, problems: DataProblem[]): void {
  const seen = new Map<string, number>();
  for (const { value, line: at } of rows) {
    const key = keyOf(value);
    const first = seen.get(key);
    if (first !== undefined) problems.push({ file, line: at, column, reason: `duplicates line ${first} (${key})` });
    else seen.set(key, at);
  }
}

/**
 * Reads every data file, checks each fact against the verbatim seeds and against the others,
 * derives kinds, name parts, dates and flags, and returns the rows to load. Throws a DataFileError
 * listing every problem (file:line [column]) before the database is touched.
 */
export function buildOrganisationsRows(paths: OrganisationsDataPaths = {}): OrganisationsRows {
  const dir = `${paths.dataDir ?? ORGANISATIONS_DATA_DIR}/`.replace(/\/+$/, '/');
  const path = (f: keyof typeof DATA_FILES) => `${dir}${DATA_FILES[f]}`;
  const file = (f: keyof typeof DATA_FILES) => displayPath(path(f));
  const problems: DataProblem[] = [];

  const sectionRows = readCsv(path('trackerSections'), SectionRow, problems);
  const orgRows = readCsv(path('organisations'), OrganisationRow, problems);
  const orgSourceRows = readCsv(path('organisationSources'), OrganisationSourceRow, problems);
  const personRows = readCsv(path('people'), PersonRow, problems);
  const roleRows = readCsv(path('roles'), RoleRow, problems);
  const roleFlagRows = readCsv(path('roleFlags'), RoleFlagRow, problems);
  const regionRows = readCsv(path('regionLeadership'), RegionNoteRow, problems);

  // --- the dates roles are stated on ---------------------------------------------------------------
  for (const part of DATED_PARTS) {
    const reason = part.dateSource ? checkCitation(part.dateSource) : null;
    if (reason) problems.push({ file: displayPath(DOCUMENTS_TS), line: 1, column: 'DATED_PARTS', reason: `date citation does not hold: ${reason}` });
  }

  // --- tracker sections (which lines belong to which STP) -------------------------------------------
  verifyCitations(
    path('trackerSections'),
    sectionRows.map((r) => ({ line: r.line, column: 'heading_text', citation: { document: TRACKER, line: r.value.heading_line, text: r.value.heading_text } })),
    problems,
  );
  duplicates(sectionRows, (s) => s.stp_code, file('trackerSections'), 'stp_code', problems);
  const headings = sectionRows.map((r) => r.value).sort((a, b) => a.heading_line - b.heading_line);
  const sectionOf = (at: number) => headings.filter((s) => s.heading_line <= at).at(-1) ?? null;
  const sectionsByCode = new Map(headings.map((s) => [s.stp_code, s]));

  // --- organisations -------------------------------------------------------------------------------
  const orgFile = file('organisations');
  duplicates(orgRows, (o) => o.id, orgFile, 'id', problems);
  const organisations: NewOrganisation[] = [];
  const orgIds = new Set<string>();
  orgRows.forEach(({ value: o, line: at }, i) => {
    orgIds.add(o.id);
    if (o.id !== slugify(o.name)) problems.push({ file: orgFile, line: at, column: 'id', reason: `expected the slug of the name, '${slugify(o.name)}'` });
    const odsParts = [o.ods_code, o.ods_document, o.ods_line, o.ods_text].filter((v) => v !== '').length;
    if (odsParts !== 0 && odsParts !== 4) {
      problems.push({ file: orgFile, line: at, column: 'ods_code', reason: 'an ODS code needs its citation: ods_code, ods_document, ods_line and ods_text together, or none' });
    }
    if (o.ods_code && !o.ods_text.includes(o.ods_code)) {
      problems.push({ file: orgFile, line: at, column: 'ods_text', reason: `the cited text does not contain the code ${o.ods_code}` });
    }
    if ((o.flag === '') !== (o.flag_explanation === '')) problems.push({ file: orgFile, line: at, column: 'flag_explanation', reason: 'flag and flag_explanation go together' });
    const kind = organisationKind(o.name);
    const cited = odsParts === 4 && o.ods_line !== '';
    organisations.push({
      id: o.id,
      position: i + 1,
      name: o.name,
      kind: kind.kind,
      kind_rule: kind.rule,
      kind_rule_explanation: kind.explanation,
      ods_code: cited ? o.ods_code : null,
      ods_source_document: cited ? o.ods_document : null,
      ods_source_line: cited ? Number(o.ods_line) : null,
      ods_source_text: cited ? o.ods_text : null,
      flags: JSON.stringify(o.flag ? [{ code: o.flag, explanation: o.flag_explanation }] : []),
    });
  });
  verifyCitations(
    path('organisations'),
    orgRows.flatMap(({ value: o, line: at }) =>
      o.ods_code && o.ods_document && o.ods_line !== '' ? [{ line: at, column: 'ods_text', citation: { document: o.ods_document, line: o.ods_line, text: o.ods_text } }] : [],
    ),
    problems,
  );

  // --- the lines naming each organisation -----------------------------------------------------------
  const srcFile = file('organisationSources');
  duplicates(orgSourceRows, (s) => `${s.organisation_id}@${s.document}:${s.line}`, srcFile, 'line', problems);
  verifyCitations(
    path('organisationSources'),
    orgSourceRows.map(({ value: s, line: at }) => ({ line: at, column: 'text', citation: { document: s.document, line: s.line, text: s.text } })),
    problems,
  );
  const organisationSources: NewOrganisationSource[] = [];
  const sourceCount = new Map<string, number>();
  for (const { value: s, line: at } of orgSourceRows) {
    if (!orgIds.has(s.organisation_id)) {
      problems.push({ file: srcFile, line: at, column: 'organisation_id', reason: `unknown organisation ${s.organisation_id}` });
      continue;
    }
    const position = (sourceCount.get(s.organisation_id) ?? 0) + 1;
    sourceCount.set(s.organisation_id, position);
    organisationSources.push({ organisation_id: s.organisation_id, position, source_document: s.document, source_line: s.line, source_text: s.text });
  }
  const namedAt = (orgId: string, document: string, at: number) =>
    organisationSources.some((s) => s.organisation_id === orgId && s.source_document === document && s.source_line === at);
  for (const { value: o, line: at } of orgRows) {
    const texts = organisationSources.filter((s) => s.organisation_id === o.id).map((s) => s.source_text);
    if (texts.length === 0) problems.push({ file: orgFile, line: at, column: 'id', reason: `no line of ${DATA_FILES.organisationSources} names ${o.id}` });
    else if (!texts.some((t) => t.includes(o.name))) {
      problems.push({ file: orgFile, line: at, column: 'name', reason: `the name ${JSON.stringify(o.name)} is not written in any of its cited texts` });
    }
  }

  // --- people ----------------------------------------------------------------------------------------
  const peopleFile = file('people');
  duplicates(personRows, (p) => p.id, peopleFile, 'id', problems);
  const people: NewPerson[] = [];
  const peopleById = new Map<string, { name: string; line: number }>();
  personRows.forEach(({ value: p, line: at }, i) => {
    const parsed = parsePersonName(p.name);
    peopleById.set(p.id, { name: p.name, line: at });
    if (parsed.familyName === null) {
      problems.push({ file: peopleFile, line: at, column: 'name', reason: `no family name in ${JSON.stringify(p.name)}` });
      return;
    }
    if (p.id !== slugify(parsed.nameWithoutHonorifics)) {
      problems.push({ file: peopleFile, line: at, column: 'id', reason: `expected the slug of the name without honorifics, '${slugify(parsed.nameWithoutHonorifics)}'` });
    }
    people.push({
      id: p.id,
      position: i + 1,
      name: p.name,
      honorific_prefix: parsed.honorificPrefix,
      given_name: parsed.givenName,
      family_name: parsed.familyName,
      post_nominals: parsed.postNominals,
      name_without_honorifics: parsed.nameWithoutHonorifics,
      flags: JSON.stringify(parsed.flags),
    });
  });

  // --- roles -------------------------------------------------------------------------------------------
  const rolesFile = file('roles');
  const flagsFile = file('roleFlags');
  duplicates(roleRows, (r) => r.id, rolesFile, 'id', problems);
  verifyCitations(
    path('roles'),
    roleRows.map(({ value: r, line: at }) => ({ line: at, column: 'text', citation: { document: r.document, line: r.line, text: r.text } })),
    problems,
  );
  const roleIds = new Set(roleRows.map((r) => r.value.id));
  const dataFlags = new Map<string, FlagShape[]>();
  for (const { value: f, line: at } of roleFlagRows) {
    if (!roleIds.has(f.role_id)) problems.push({ file: flagsFile, line: at, column: 'role_id', reason: `unknown role ${f.role_id}` });
    dataFlags.set(f.role_id, [...(dataFlags.get(f.role_id) ?? []), { code: f.code, explanation: f.explanation }]);
  }

  const roles: NewRole[] = [];
  const roleOrganisations: NewRoleOrganisation[] = [];
  const roleFlagsById = new Map<string, FlagShape[]>();
  const leadLines = new Map<number, number>();
  roleRows.forEach(({ value: r, line: at }, i) => {
    const person = peopleById.get(r.person_id);
    const flags: FlagShape[] = [...(dataFlags.get(r.id) ?? [])];
    const expectedId = `${documentNumber(r.document)}-${r.line}-${kebab(r.kind)}`;
    if (r.id !== expectedId) problems.push({ file: rolesFile, line: at, column: 'id', reason: `expected '${expectedId}' (document number, line, kind)` });
    if (!person) problems.push({ file: rolesFile, line: at, column: 'person_id', reason: `unknown person ${r.person_id}` });
    if (!r.text.includes(r.title)) problems.push({ file: rolesFile, line: at, column: 'title', reason: 'the title is not in the cited text' });
    const nameLine = r.name_line === '' ? r.line : r.name_line;
    if (person) {
      const reason = checkCitation({ document: r.document, line: nameLine, text: person.name });
      if (reason) problems.push({ file: rolesFile, line: at, column: 'name_line', reason: `the name as written in people.csv does not stand there: ${reason}` });
    }

    if (r.stp_code && !sectionsByCode.has(r.stp_code)) problems.push({ file: rolesFile, line: at, column: 'stp_code', reason: `${r.stp_code} is not a tracker STP` });
    if (r.kind === 'STP_LEAD') {
      const section = sectionOf(r.line);
      if (r.document !== TRACKER) problems.push({ file: rolesFile, line: at, column: 'document', reason: 'STP leads are read from the tracker' });
      else if (!section || section.stp_code !== r.stp_code) {
        problems.push({ file: rolesFile, line: at, column: 'stp_code', reason: `line ${r.line} lies in the section of ${section?.stp_code ?? 'no STP'}, not ${r.stp_code || '(none)'}` });
      }
      const expected = `${LEAD_LABEL} ${person?.name ?? ''}${r.affiliation_as_written ? `, ${r.affiliation_as_written}` : ''}`;
      if (person && r.text !== expected) problems.push({ file: rolesFile, line: at, column: 'text', reason: `expected the lead as written, ${JSON.stringify(expected)}` });
      leadLines.set(r.line, (leadLines.get(r.line) ?? 0) + 1);
    }

    // Every organisation must be named where the role says it is, or the link must be flagged as inferred.
    for (const orgId of r.organisation_ids) if (!orgIds.has(orgId)) problems.push({ file: rolesFile, line: at, column: 'organisation_ids', reason: `unknown organisation ${orgId}` });
    if (r.organisation_line !== '') {
      for (const orgId of r.organisation_ids.filter((id) => orgIds.has(id))) {
        if (!namedAt(orgId, r.document, r.organisation_line)) {
          problems.push({ file: rolesFile, line: at, column: 'organisation_line', reason: `${DATA_FILES.organisationSources} has no row naming ${orgId} at ${r.document}:${r.organisation_line}` });
        }
      }
    } else if (r.organisation_ids.length > 0 && !flags.some((f) => f.code === 'INFERRED')) {
      problems.push({ file: rolesFile, line: at, column: 'organisation_line', reason: 'an organisation not named on any line of the role needs an INFERRED flag in role-flags.csv' });
    }
    if (r.affiliation_as_written) {
      const onLines = [r.line, ...(r.organisation_line === '' ? [] : [r.organisation_line])];
      if (!onLines.some((n) => checkCitation({ document: r.document, line: n, text: r.affiliation_as_written }) === null)) {
        problems.push({ file: rolesFile, line: at, column: 'affiliation_as_written', reason: `not written on line ${onLines.join(' or ')}` });
      }
      if (r.organisation_ids.length === 0 && dataFlags.get(r.id) === undefined) {
        problems.push({ file: rolesFile, line: at, column: 'affiliation_as_written', reason: 'an affiliation that names no organisation needs a flag in role-flags.csv saying why' });
      }
    }

    if (r.organisation_ids.length === 0 && !r.affiliation_as_written) {
      flags.push({ code: 'ORGANISATION_NOT_STATED', explanation: `Line ${r.line} names no organisation for ${person?.name ?? r.person_id}; none is recorded.` });
    }
    if (r.organisation_ids.length > 1) {
      flags.push({
        code: 'MULTIPLE_ORGANISATIONS',
        explanation: `Line ${r.line} names ${r.organisation_ids.length} organisations (${r.affiliation_as_written}); all are linked under organisations, and organisation is null because no one of them alone is the role's organisation.`,
      });
    }

    const part = datedPartOf(r.document, r.line);
    if (!part) problems.push({ file: rolesFile, line: at, column: 'line', reason: `no dated part of ${r.document} covers line ${r.line}` });
    roles.push({
      id: r.id,
      position: i + 1,
      person_id: r.person_id,
      kind: r.kind,
      title: r.title,
      stp_code: r.stp_code || null,
      region_code: null,
      affiliation_as_written: r.affiliation_as_written || null,
      stated_on: part?.statedOn ?? sourceDocument(r.document).published ?? '',
      stated_on_source_document: part?.dateSource?.document ?? null,
      stated_on_source_line: part?.dateSource?.line ?? null,
      stated_on_source_text: part?.dateSource?.text ?? null,
      source_document: r.document,
      source_line: r.line,
      source_text: r.text,
      name_line: nameLine,
      flags: '[]',
    });
    r.organisation_ids.forEach((organisation_id, p) => roleOrganisations.push({ role_id: r.id, organisation_id, position: p + 1 }));
    roleFlagsById.set(r.id, flags);
  });

  // Coverage: every lead line of the tracker is read once, and every section has its lead.
  sourceLines(TRACKER).forEach((text, i) => {
    const n = i + 1;
    if (text.includes(LEAD_LABEL) && leadLines.get(n) !== 1) {
      problems.push({ file: rolesFile, line: 1, reason: `${TRACKER}:${n} states a lead, read by ${leadLines.get(n) ?? 0} STP_LEAD rows (expected 1)` });
    }
  });
  for (const s of headings) {
    if (!roles.some((r) => r.kind === 'STP_LEAD' && r.stp_code === s.stp_code)) {
      problems.push({ file: rolesFile, line: 1, reason: `no STP_LEAD row for ${s.stp_code} (${s.tracker_name})` });
    }
  }

  // The same lead text in two sections is the tracker's duplication: keep both, flag both.
  const leadsByText = new Map<string, NewRole[]>();
  for (const r of roles.filter((x) => x.kind === 'STP_LEAD')) leadsByText.set(r.source_text, [...(leadsByText.get(r.source_text) ?? []), r]);
  for (const [text, same] of leadsByText) {
    if (same.length < 2) continue;
    const where = same.map((r) => `${sectionsByCode.get(r.stp_code ?? '')?.tracker_name ?? r.stp_code} (${r.stp_code}, line ${r.source_line})`);
    const explanation = `The tracker gives the same lead, "${text.slice(LEAD_LABEL.length + 1)}", for ${where.join(' and for ')}. The duplication is the tracker's, not the hub's: each section's lead is kept as written, and the seeds do not say whether one person led ${same.length === 2 ? 'both' : 'all'} or the line was copied from one section to the other.`;
    for (const r of same) roleFlagsById.get(r.id)?.push({ code: 'DUPLICATED_LEAD', explanation });
  }
  for (const r of roles) r.flags = JSON.stringify(roleFlagsById.get(r.id) ?? []);

  // --- what the seeds say about each region's leadership ----------------------------------------------
  const regionFile = file('regionLeadership');
  const regionCodes = new Set(sourceLines(REGIONS_LIST).slice(1).map((l) => l.split(',')[1]).filter(Boolean));
  verifyCitations(
    path('regionLeadership'),
    regionRows.map(({ value: r, line: at }) => ({ line: at, column: 'text', citation: { document: r.document, line: r.line, text: r.text } })),
    problems,
  );
  duplicates(regionRows, (r) => `${r.region_code}#${r.position}`, regionFile, 'position', problems);
  for (const { value: r, line: at } of regionRows) {
    if (!regionCodes.has(r.region_code)) problems.push({ file: regionFile, line: at, column: 'region_code', reason: `${r.region_code} is not in ${REGIONS_LIST}` });
  }
  const regionNotes: NewRegionLeadershipNote[] = regionRows.map(({ value: r }) => ({
    region_code: r.region_code,
    position: r.position,
    note: r.note,
    source_document: r.document,
    source_line: r.line,
    source_text: r.text,
  }));

  throwIfProblems(problems);
  return { organisations, organisationSources, people, roles, roleOrganisations, regionNotes };
}

/** Validates every data file first, then replaces the subgraph's rows in one transaction. */
export async function seedOrganisations(db: Kysely<OrganisationsDatabase>, paths: OrganisationsDataPaths = {}): Promise<SeedReport> {
  const rows = buildOrganisationsRows(paths);
  await replaceAll(db, rows);
  return {
    organisation: rows.organisations.length,
    organisation_source: rows.organisationSources.length,
    person: rows.people.length,
    role: rows.roles.length,
    role_organisation: rows.roleOrganisations.length,
    region_leadership_note: rows.regionNotes.length,
  };
}

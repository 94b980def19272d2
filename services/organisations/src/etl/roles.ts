import {
  checkCitation,
  citationOf,
  cite,
  type DataProblem,
  type FlagShape,
  readCsv,
  sourceDocument,
  sourceLines,
  verifyCitations,
  lineNumber,
  seedDocument,
  stpOdsCode,
} from '@nhs-hub/kit/subgraph';
import { z } from 'zod';
import { ROLE_KINDS, type NewOrganisationSource, type NewRole, type NewRoleOrganisation } from '../db/types.js';
import { datedPartOf, TRACKER } from './sources.js';
import { DATA_FILES, type DataFolder, duplicates, optionalLine, slug } from './files.js';
import type { PeopleById } from './people.js';
import { readRoleFlags } from './role-flags.js';
import type { Sections } from './sections.js';

/** The label every STP section of the tracker puts before its lead. */
const LEAD_LABEL = '**Lead:**';

export const RoleRow = z.object({
  id: z.string().regex(/^\d{3}-\d+-[a-z-]+$/, 'expected <document number>-<line>-<kind>, e.g. 002-822-stp-lead'),
  person_id: slug,
  kind: z.enum(ROLE_KINDS),
  title: z.string().min(1),
  stp_code: z.union([z.literal(''), stpOdsCode]),
  organisation_ids: z
    .string()
    .transform((s) => (s === '' ? [] : s.split(';')))
    .pipe(z.array(slug)),
  organisation_line: optionalLine,
  affiliation_as_written: z.string(),
  document: seedDocument,
  line: lineNumber,
  text: z.string().min(1),
  name_line: optionalLine,
});

export type RoleInput = z.output<typeof RoleRow>;

/** A problem with one row, before it is placed in a file. */
export interface RowProblem {
  readonly column: string;
  readonly reason: string;
}

/** The role flags the hub derives (the others are stated in role-flags.csv): recomputed whenever roles change. */
export const DERIVED_ROLE_FLAGS: ReadonlySet<string> = new Set([
  'ORGANISATION_NOT_STATED',
  'MULTIPLE_ORGANISATIONS',
  'DUPLICATED_LEAD',
]);

const kebab = (kind: string) => kind.toLowerCase().replace(/_/g, '-');
const documentNumber = (document: string) => /seeds\/(\d{3})_/.exec(document)?.[1] ?? '';

export interface RoleInputs {
  readonly sections: Sections;
  readonly organisationIds: ReadonlySet<string>;
  readonly organisationSources: readonly NewOrganisationSource[];
  readonly people: PeopleById;
}

/**
 * What one row gets wrong that the row and the tracker's sections show: its id, its title, its STP,
 * where a lead stands, and the dated part of its document. A load checks the same before reading the
 * database.
 */
export function roleRowProblems(r: RoleInput, sections: Sections): RowProblem[] {
  const problems: RowProblem[] = [];
  const expectedId = `${documentNumber(r.document)}-${r.line}-${kebab(r.kind)}`;
  if (r.id !== expectedId)
    problems.push({ column: 'id', reason: `expected '${expectedId}' (document number, line, kind)` });
  if (!r.text.includes(r.title)) problems.push({ column: 'title', reason: 'the title is not in the cited text' });
  if (r.stp_code && !sections.byCode.has(r.stp_code))
    problems.push({ column: 'stp_code', reason: `${r.stp_code} is not a tracker STP` });
  if (r.kind === 'STP_LEAD') {
    const section = sections.sectionOf(r.line);
    if (r.document !== TRACKER) problems.push({ column: 'document', reason: 'STP leads are read from the tracker' });
    else if (!section || section.stp_code !== r.stp_code)
      problems.push({
        column: 'stp_code',
        reason: `line ${r.line} lies in the section of ${section?.stp_code ?? 'no STP'}, not ${r.stp_code || '(none)'}`,
      });
  }
  if (!datedPartOf(r.document, r.line))
    problems.push({ column: 'line', reason: `no dated part of ${r.document} covers line ${r.line}` });
  return problems;
}

/** What one row gets wrong about its person: one the data knows, named on the cited line, a lead written as the tracker writes it. */
export function rolePersonProblems(
  // Any document: a stored role is re-checked when its person's name changes.
  r: Pick<RoleInput, 'person_id' | 'line' | 'name_line' | 'kind' | 'affiliation_as_written' | 'text'> & {
    readonly document: string;
  },
  person: { readonly name: string } | undefined,
): RowProblem[] {
  if (!person) return [{ column: 'person_id', reason: `unknown person ${r.person_id}` }];
  const problems: RowProblem[] = [];
  const reason = checkCitation(cite(r.document, nameLineOf(r), person.name));
  if (reason)
    problems.push({ column: 'name_line', reason: `the name as written in people.csv does not stand there: ${reason}` });
  if (r.kind === 'STP_LEAD') {
    const expected = `${LEAD_LABEL} ${person.name}${r.affiliation_as_written ? `, ${r.affiliation_as_written}` : ''}`;
    if (r.text !== expected)
      problems.push({ column: 'text', reason: `expected the lead as written, ${JSON.stringify(expected)}` });
  }
  return problems;
}

const nameLineOf = (r: Pick<RoleInput, 'line' | 'name_line'>): number => (r.name_line === '' ? r.line : r.name_line);

/** The role row one line of roles.csv becomes, without its position and flags (the file's order and the whole table decide those). */
export function roleOf(r: RoleInput): Omit<NewRole, 'position' | 'flags'> {
  const part = datedPartOf(r.document, r.line);
  return {
    id: r.id,
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
    name_line: nameLineOf(r),
    organisation_line: r.organisation_line === '' ? null : r.organisation_line,
  };
}

/** A role's links to its organisations, in the order its line names them. */
export function roleOrganisationsOf(r: Pick<RoleInput, 'id' | 'organisation_ids'>): NewRoleOrganisation[] {
  return r.organisation_ids.map((organisation_id, p) => ({ role_id: r.id, organisation_id, position: p + 1 }));
}

/**
 * A role's flags, in the order the seed writes them: those stated for it (role-flags.csv), then
 * ORGANISATION_NOT_STATED and MULTIPLE_ORGANISATIONS from its own line. DUPLICATED_LEAD needs the
 * other leads (flagDuplicatedLeads).
 */
export function roleFlags(
  role: Pick<NewRole, 'source_line' | 'affiliation_as_written' | 'person_id'>,
  organisationCount: number,
  personName: string | undefined,
  stated: readonly FlagShape[],
): FlagShape[] {
  const flags: FlagShape[] = [...stated];
  if (organisationCount === 0 && !role.affiliation_as_written)
    flags.push({
      code: 'ORGANISATION_NOT_STATED',
      explanation: `Line ${role.source_line} names no organisation for ${personName ?? role.person_id}; none is recorded.`,
    });
  if (organisationCount > 1)
    flags.push({
      code: 'MULTIPLE_ORGANISATIONS',
      explanation: `Line ${role.source_line} names ${organisationCount} organisations (${role.affiliation_as_written ?? ''}); all are linked under organisations, and organisation is null because no one of them alone is the role's organisation.`,
    });
  return flags;
}

/**
 * roles.csv (with role-flags.csv): each post as one line states it. The text and the person's name
 * must stand on the cited line; an STP lead must lie in its STP's section and read
 * "**Lead:** <name>, <affiliation>"; every organisation must be named where the role says, or the
 * link flagged INFERRED. Every lead line of the tracker is read exactly once. Derives
 * ORGANISATION_NOT_STATED, MULTIPLE_ORGANISATIONS and DUPLICATED_LEAD, and dates each role by the
 * part of its document its line falls in (sources.ts).
 */
export function readRoles(
  folder: DataFolder,
  inputs: RoleInputs,
  problems: DataProblem[],
): { roles: NewRole[]; roleOrganisations: NewRoleOrganisation[] } {
  const { sections, organisationIds, organisationSources, people } = inputs;
  const file = folder.file('roles');
  const rows = readCsv(folder.path('roles'), RoleRow, problems);
  duplicates(rows, (r) => r.id, file, 'id', problems);
  verifyCitations(
    folder.path('roles'),
    rows.map(({ value: r, line: at }) => ({
      line: at,
      column: 'text',
      citation: citationOf(r, ''),
    })),
    problems,
  );
  const dataFlags = readRoleFlags(folder, new Set(rows.map((r) => r.value.id)), problems);
  const namedAt = namedAtOf(organisationSources);

  const roles: NewRole[] = [];
  const roleOrganisations: NewRoleOrganisation[] = [];
  const flagsById = new Map<string, FlagShape[]>();
  const leadLines = new Map<number, number>();
  rows.forEach(({ value: r, line: at }, i) => {
    const person = people.get(r.person_id);
    const stated = dataFlags.get(r.id);
    for (const p of [
      ...roleRowProblems(r, sections),
      ...rolePersonProblems(r, person),
      ...organisationLinkProblems(r, { organisationIds, namedAt, stated }),
    ])
      problems.push({ file, line: at, ...p });
    if (r.kind === 'STP_LEAD') leadLines.set(r.line, (leadLines.get(r.line) ?? 0) + 1);
    const role = roleOf(r);
    roles.push({ ...role, position: i + 1, flags: '[]' });
    roleOrganisations.push(...roleOrganisationsOf(r));
    flagsById.set(r.id, roleFlags(role, r.organisation_ids.length, person?.name, stated ?? []));
  });

  checkLeadCoverage(roles, leadLines, sections, file, problems);
  flagDuplicatedLeads(roles, sections, flagsById);
  for (const r of roles) r.flags = JSON.stringify(flagsById.get(r.id) ?? []);
  return { roles, roleOrganisations };
}

/** Whether organisation-sources.csv (or its table) has a row naming an organisation at a document's line. */
export function namedAtOf(
  sources: readonly Pick<NewOrganisationSource, 'organisation_id' | 'source_document' | 'source_line'>[],
): (orgId: string, document: string, line: number) => boolean {
  const named = new Set(sources.map((s) => `${s.organisation_id}@${s.source_document}:${s.source_line}`));
  return (orgId, document, line) => named.has(`${orgId}@${document}:${line}`);
}

/** Every lead line of the tracker is read by exactly one STP_LEAD row, and every section has its lead. */
function checkLeadCoverage(
  roles: readonly NewRole[],
  leadLines: ReadonlyMap<number, number>,
  sections: Sections,
  file: string,
  problems: DataProblem[],
): void {
  sourceLines(TRACKER).forEach((text, i) => {
    const n = i + 1;
    if (text.includes(LEAD_LABEL) && leadLines.get(n) !== 1) {
      problems.push({
        file,
        line: 1,
        reason: `${TRACKER}:${n} states a lead, read by ${leadLines.get(n) ?? 0} STP_LEAD rows (expected 1)`,
      });
    }
  });
  for (const s of sections.headings) {
    if (!roles.some((r) => r.kind === 'STP_LEAD' && r.stp_code === s.stp_code)) {
      problems.push({ file, line: 1, reason: `no STP_LEAD row for ${s.stp_code} (${s.tracker_name})` });
    }
  }
}

/** The same lead text in two sections is the tracker's duplication: keep both, flag both DUPLICATED_LEAD. */
export function flagDuplicatedLeads(
  roles: readonly Pick<NewRole, 'id' | 'kind' | 'stp_code' | 'source_text' | 'source_line'>[],
  sections: Sections,
  flagsById: ReadonlyMap<string, FlagShape[]>,
): void {
  const leadsByText = new Map<string, (typeof roles)[number][]>();
  for (const r of roles.filter((x) => x.kind === 'STP_LEAD'))
    leadsByText.set(r.source_text, [...(leadsByText.get(r.source_text) ?? []), r]);
  for (const [text, same] of leadsByText) {
    if (same.length < 2) continue;
    const where = same.map(
      (r) =>
        `${sections.byCode.get(r.stp_code ?? '')?.tracker_name ?? r.stp_code} (${r.stp_code}, line ${r.source_line})`,
    );
    const explanation = `The tracker gives the same lead, "${text.slice(LEAD_LABEL.length + 1)}", for ${where.join(' and for ')}. The duplication is the tracker's, not the hub's: each section's lead is kept as written, and the seeds do not say whether one person led ${same.length === 2 ? 'both' : 'all'} or the line was copied from one section to the other.`;
    for (const r of same) flagsById.get(r.id)?.push({ code: 'DUPLICATED_LEAD', explanation });
  }
}

export interface LinkContext {
  readonly organisationIds: ReadonlySet<string>;
  readonly namedAt: (orgId: string, document: string, line: number) => boolean;
  /** Flags role-flags.csv states for the role (undefined: none). */
  readonly stated: readonly FlagShape[] | undefined;
}

/** A role's organisations must be named on its lines (or flagged INFERRED), and its affiliation written there. */
export function organisationLinkProblems(
  r: RoleInput,
  { organisationIds, namedAt, stated }: LinkContext,
): RowProblem[] {
  const problems: RowProblem[] = [];
  // Every organisation must be named where the role says it is, or the link must be flagged as inferred.
  for (const orgId of r.organisation_ids)
    if (!organisationIds.has(orgId))
      problems.push({ column: 'organisation_ids', reason: `unknown organisation ${orgId}` });
  if (r.organisation_line !== '') {
    for (const orgId of r.organisation_ids.filter((id) => organisationIds.has(id))) {
      if (!namedAt(orgId, r.document, r.organisation_line)) {
        problems.push({
          column: 'organisation_line',
          reason: `${DATA_FILES.organisationSources} has no row naming ${orgId} at ${r.document}:${r.organisation_line}`,
        });
      }
    }
  } else if (r.organisation_ids.length > 0 && !stated?.some((f) => f.code === 'INFERRED')) {
    problems.push({
      column: 'organisation_line',
      reason: 'an organisation not named on any line of the role needs an INFERRED flag in role-flags.csv',
    });
  }
  if (r.affiliation_as_written) {
    const onLines = [r.line, ...(r.organisation_line === '' ? [] : [r.organisation_line])];
    if (!onLines.some((n) => checkCitation(cite(r.document, n, r.affiliation_as_written)) === null)) {
      problems.push({ column: 'affiliation_as_written', reason: `not written on line ${onLines.join(' or ')}` });
    }
    if (r.organisation_ids.length === 0 && stated === undefined) {
      problems.push({
        column: 'affiliation_as_written',
        reason: 'an affiliation that names no organisation needs a flag in role-flags.csv saying why',
      });
    }
  }
  return problems;
}

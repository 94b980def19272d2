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

const RoleRow = z.object({
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

type RoleInput = z.output<typeof RoleRow>;

const kebab = (kind: string) => kind.toLowerCase().replace(/_/g, '-');
const documentNumber = (document: string) => /seeds\/(\d{3})_/.exec(document)?.[1] ?? '';

export interface RoleInputs {
  readonly sections: Sections;
  readonly organisationIds: ReadonlySet<string>;
  readonly organisationSources: readonly NewOrganisationSource[];
  readonly people: PeopleById;
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
  const namedAt = (orgId: string, document: string, at: number) =>
    organisationSources.some(
      (s) => s.organisation_id === orgId && s.source_document === document && s.source_line === at,
    );

  const roles: NewRole[] = [];
  const roleOrganisations: NewRoleOrganisation[] = [];
  const flagsById = new Map<string, FlagShape[]>();
  const leadLines = new Map<number, number>();
  rows.forEach(({ value: r, line: at }, i) => {
    const person = people.get(r.person_id);
    const flags: FlagShape[] = [...(dataFlags.get(r.id) ?? [])];
    const expectedId = `${documentNumber(r.document)}-${r.line}-${kebab(r.kind)}`;
    if (r.id !== expectedId)
      problems.push({ file, line: at, column: 'id', reason: `expected '${expectedId}' (document number, line, kind)` });
    if (!person) problems.push({ file, line: at, column: 'person_id', reason: `unknown person ${r.person_id}` });
    if (!r.text.includes(r.title))
      problems.push({ file, line: at, column: 'title', reason: 'the title is not in the cited text' });
    const nameLine = r.name_line === '' ? r.line : r.name_line;
    if (person) {
      const reason = checkCitation(cite(r.document, nameLine, person.name));
      if (reason)
        problems.push({
          file,
          line: at,
          column: 'name_line',
          reason: `the name as written in people.csv does not stand there: ${reason}`,
        });
    }

    if (r.stp_code && !sections.byCode.has(r.stp_code))
      problems.push({ file, line: at, column: 'stp_code', reason: `${r.stp_code} is not a tracker STP` });
    if (r.kind === 'STP_LEAD') {
      const section = sections.sectionOf(r.line);
      if (r.document !== TRACKER)
        problems.push({ file, line: at, column: 'document', reason: 'STP leads are read from the tracker' });
      else if (!section || section.stp_code !== r.stp_code) {
        problems.push({
          file,
          line: at,
          column: 'stp_code',
          reason: `line ${r.line} lies in the section of ${section?.stp_code ?? 'no STP'}, not ${r.stp_code || '(none)'}`,
        });
      }
      const expected = `${LEAD_LABEL} ${person?.name ?? ''}${r.affiliation_as_written ? `, ${r.affiliation_as_written}` : ''}`;
      if (person && r.text !== expected)
        problems.push({
          file,
          line: at,
          column: 'text',
          reason: `expected the lead as written, ${JSON.stringify(expected)}`,
        });
      leadLines.set(r.line, (leadLines.get(r.line) ?? 0) + 1);
    }

    checkOrganisationLinks(r, at, { file, organisationIds, namedAt, stated: dataFlags.get(r.id), flags }, problems);

    if (r.organisation_ids.length === 0 && !r.affiliation_as_written) {
      flags.push({
        code: 'ORGANISATION_NOT_STATED',
        explanation: `Line ${r.line} names no organisation for ${person?.name ?? r.person_id}; none is recorded.`,
      });
    }
    if (r.organisation_ids.length > 1) {
      flags.push({
        code: 'MULTIPLE_ORGANISATIONS',
        explanation: `Line ${r.line} names ${r.organisation_ids.length} organisations (${r.affiliation_as_written}); all are linked under organisations, and organisation is null because no one of them alone is the role's organisation.`,
      });
    }

    const part = datedPartOf(r.document, r.line);
    if (!part)
      problems.push({ file, line: at, column: 'line', reason: `no dated part of ${r.document} covers line ${r.line}` });
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
    for (const [p, organisation_id] of r.organisation_ids.entries()) {
      roleOrganisations.push({ role_id: r.id, organisation_id, position: p + 1 });
    }
    flagsById.set(r.id, flags);
  });

  checkLeadCoverage(roles, leadLines, sections, file, problems);
  flagDuplicatedLeads(roles, sections, flagsById);
  for (const r of roles) r.flags = JSON.stringify(flagsById.get(r.id) ?? []);
  return { roles, roleOrganisations };
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
function flagDuplicatedLeads(
  roles: readonly NewRole[],
  sections: Sections,
  flagsById: ReadonlyMap<string, FlagShape[]>,
): void {
  const leadsByText = new Map<string, NewRole[]>();
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

interface LinkContext {
  readonly file: string;
  readonly organisationIds: ReadonlySet<string>;
  readonly namedAt: (orgId: string, document: string, line: number) => boolean;
  /** Flags role-flags.csv states for the role (undefined: none). */
  readonly stated: readonly FlagShape[] | undefined;
  readonly flags: readonly FlagShape[];
}

/** A role's organisations must be named on its lines (or flagged INFERRED), and its affiliation written there. */
function checkOrganisationLinks(
  r: RoleInput,
  at: number,
  { file, organisationIds, namedAt, stated, flags }: LinkContext,
  problems: DataProblem[],
): void {
  // Every organisation must be named where the role says it is, or the link must be flagged as inferred.
  for (const orgId of r.organisation_ids)
    if (!organisationIds.has(orgId))
      problems.push({ file, line: at, column: 'organisation_ids', reason: `unknown organisation ${orgId}` });
  if (r.organisation_line !== '') {
    for (const orgId of r.organisation_ids.filter((id) => organisationIds.has(id))) {
      if (!namedAt(orgId, r.document, r.organisation_line)) {
        problems.push({
          file,
          line: at,
          column: 'organisation_line',
          reason: `${DATA_FILES.organisationSources} has no row naming ${orgId} at ${r.document}:${r.organisation_line}`,
        });
      }
    }
  } else if (r.organisation_ids.length > 0 && !flags.some((f) => f.code === 'INFERRED')) {
    problems.push({
      file,
      line: at,
      column: 'organisation_line',
      reason: 'an organisation not named on any line of the role needs an INFERRED flag in role-flags.csv',
    });
  }
  if (r.affiliation_as_written) {
    const onLines = [r.line, ...(r.organisation_line === '' ? [] : [r.organisation_line])];
    if (!onLines.some((n) => checkCitation(cite(r.document, n, r.affiliation_as_written)) === null)) {
      problems.push({
        file,
        line: at,
        column: 'affiliation_as_written',
        reason: `not written on line ${onLines.join(' or ')}`,
      });
    }
    if (r.organisation_ids.length === 0 && stated === undefined) {
      problems.push({
        file,
        line: at,
        column: 'affiliation_as_written',
        reason: 'an affiliation that names no organisation needs a flag in role-flags.csv saying why',
      });
    }
  }
}

import {
  type Citation,
  cite,
  type DataProblem,
  type DataRow,
  readCsv,
  SOURCE_DOCUMENTS,
  verifyCitations,
} from '@nhs-hub/kit/subgraph';
import { z } from 'zod';
import type { NewOrganisation } from '../db/types.js';
import { organisationKind } from '../domain/kinds.js';
import { slugify } from './names.js';
import { type DataFolder, duplicates, flagCode, optionalLine, slug } from './files.js';

export const OrganisationRow = z.object({
  id: slug,
  name: z.string().min(1),
  ods_code: z.union([z.literal(''), z.string().regex(/^[A-Z0-9]{3,6}$/, 'expected an ODS code such as 04Q or RWD')]),
  ods_document: z.union([z.literal(''), z.enum(SOURCE_DOCUMENTS.map((d) => d.file) as [string, ...string[]])]),
  ods_line: optionalLine,
  ods_text: z.string(),
  flag: z.union([z.literal(''), flagCode]),
  flag_explanation: z.string(),
});
export type OrganisationInput = z.output<typeof OrganisationRow>;

/** A problem with one row, before it is placed in a file. */
export interface RowProblem {
  readonly column: string;
  readonly reason: string;
}

const odsPartsOf = (o: OrganisationInput) =>
  [o.ods_code, o.ods_document, o.ods_line, o.ods_text].filter((v) => v !== '').length;

/** What one row gets wrong by itself: its id, an ODS code without its whole citation, a flag without its explanation. */
export function organisationProblems(o: OrganisationInput): RowProblem[] {
  const problems: RowProblem[] = [];
  if (o.id !== slugify(o.name))
    problems.push({ column: 'id', reason: `expected the slug of the name, '${slugify(o.name)}'` });
  const odsParts = odsPartsOf(o);
  if (odsParts !== 0 && odsParts !== 4)
    problems.push({
      column: 'ods_code',
      reason: 'an ODS code needs its citation: ods_code, ods_document, ods_line and ods_text together, or none',
    });
  if (o.ods_code && !o.ods_text.includes(o.ods_code))
    problems.push({ column: 'ods_text', reason: `the cited text does not contain the code ${o.ods_code}` });
  if ((o.flag === '') !== (o.flag_explanation === ''))
    problems.push({ column: 'flag_explanation', reason: 'flag and flag_explanation go together' });
  return problems;
}

/** The line that states the ODS code, where the row gives one. */
export function odsCitation(
  o: Pick<OrganisationInput, 'ods_code' | 'ods_document' | 'ods_line' | 'ods_text'>,
): { column: string; citation: Citation }[] {
  return o.ods_code && o.ods_document && o.ods_line !== ''
    ? [{ column: 'ods_text', citation: cite(o.ods_document, o.ods_line, o.ods_text) }]
    : [];
}

/** The organisation row one line of the file becomes, without its position (the file's order decides it); its kind from its name. */
export function organisationOf(o: OrganisationInput): Omit<NewOrganisation, 'position'> {
  const kind = organisationKind(o.name);
  const cited = odsPartsOf(o) === 4 && o.ods_line !== '';
  return {
    id: o.id,
    name: o.name,
    kind: kind.kind,
    kind_rule: kind.rule,
    kind_rule_explanation: kind.explanation,
    ods_code: cited ? o.ods_code : null,
    ods_source_document: cited ? o.ods_document : null,
    ods_source_line: cited ? Number(o.ods_line) : null,
    ods_source_text: cited ? o.ods_text : null,
    flags: JSON.stringify(o.flag ? [{ code: o.flag, explanation: o.flag_explanation }] : []),
  };
}

/**
 * organisations.csv: every organisation the seeds name, its kind derived from its name (kinds.ts),
 * and an ODS code only with a citation that states it.
 */
export function readOrganisations(
  folder: DataFolder,
  problems: DataProblem[],
): { rows: DataRow<OrganisationInput>[]; organisations: NewOrganisation[] } {
  const file = folder.file('organisations');
  const rows = readCsv(folder.path('organisations'), OrganisationRow, problems);
  duplicates(rows, (o) => o.id, file, 'id', problems);
  const organisations = rows.map(({ value: o, line: at }, i): NewOrganisation => {
    for (const problem of organisationProblems(o)) problems.push({ file, line: at, ...problem });
    return { ...organisationOf(o), position: i + 1 };
  });
  verifyCitations(
    folder.path('organisations'),
    rows.flatMap(({ value: o, line: at }) => odsCitation(o).map((c) => ({ line: at, ...c }))),
    problems,
  );
  return { rows, organisations };
}

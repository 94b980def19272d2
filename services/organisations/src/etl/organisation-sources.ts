import {
  citationOf,
  type DataProblem,
  type DataRow,
  readCsv,
  verifyCitations,
  lineNumber,
  seedDocument,
} from '@nhs-hub/kit/subgraph';
import { z } from 'zod';
import type { NewOrganisationSource } from '../db/types.js';
import { DATA_FILES, type DataFolder, duplicates, slug } from './files.js';
import type { OrganisationInput } from './organisations.js';

export const OrganisationSourceRow = z.object({
  organisation_id: slug,
  document: seedDocument,
  line: lineNumber,
  text: z.string().min(1),
});

/**
 * organisation-sources.csv: the lines naming each organisation, verbatim. Every organisation needs
 * at least one, and its name must be written in one of them.
 */
export function readOrganisationSources(
  folder: DataFolder,
  organisations: readonly DataRow<OrganisationInput>[],
  problems: DataProblem[],
): NewOrganisationSource[] {
  const file = folder.file('organisationSources');
  const rows = readCsv(folder.path('organisationSources'), OrganisationSourceRow, problems);
  duplicates(rows, (s) => `${s.organisation_id}@${s.document}:${s.line}`, file, 'line', problems);
  verifyCitations(
    folder.path('organisationSources'),
    rows.map(({ value: s, line: at }) => ({
      line: at,
      column: 'text',
      citation: citationOf(s, ''),
    })),
    problems,
  );
  const ids = new Set(organisations.map((o) => o.value.id));
  const sources: NewOrganisationSource[] = [];
  const count = new Map<string, number>();
  for (const { value: s, line: at } of rows) {
    if (!ids.has(s.organisation_id)) {
      problems.push({ file, line: at, column: 'organisation_id', reason: `unknown organisation ${s.organisation_id}` });
      continue;
    }
    const position = (count.get(s.organisation_id) ?? 0) + 1;
    count.set(s.organisation_id, position);
    sources.push({
      organisation_id: s.organisation_id,
      position,
      source_document: s.document,
      source_line: s.line,
      source_text: s.text,
    });
  }
  const orgFile = folder.file('organisations');
  for (const { value: o, line: at } of organisations) {
    const problem = namingProblem(
      o,
      sources.filter((s) => s.organisation_id === o.id).map((s) => s.source_text),
    );
    if (problem) problems.push({ file: orgFile, line: at, ...problem });
  }
  return sources;
}

/** An organisation needs a line naming it, and its name as written in one of them. */
export function namingProblem(
  o: { readonly id: string; readonly name: string },
  texts: readonly string[],
): { column: string; reason: string } | null {
  if (texts.length === 0) return { column: 'id', reason: `no line of ${DATA_FILES.organisationSources} names ${o.id}` };
  if (!texts.some((t) => t.includes(o.name)))
    return { column: 'name', reason: `the name ${JSON.stringify(o.name)} is not written in any of its cited texts` };
  return null;
}

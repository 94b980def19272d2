import {
  citationOf,
  type DataProblem,
  readCsv,
  verifyCitations,
  lineNumber,
  seedDocument,
} from '@nhs-hub/kit/subgraph';
import { z } from 'zod';
import type { NewProgrammeSource } from '../db/types.js';
import { DATA_FILES, duplicates, position, programmeCode } from './files.js';
import type { Programmes } from './programmes.js';

export const ProgrammeSourceRow = z.object({
  programme_code: programmeCode,
  position,
  document: seedDocument,
  line: lineNumber,
  text: z.string().min(1),
});

/** programme-sources.csv: the lines naming each programme, verbatim; every programme needs one. */
export function readProgrammeSources(
  dir: string,
  { programmes, lineOf }: Programmes,
  problems: DataProblem[],
): NewProgrammeSource[] {
  const path = `${dir}${DATA_FILES.programmeSources}`;
  const rows = readCsv(path, ProgrammeSourceRow, problems);
  const codes = new Set(programmes.map((p) => p.code));
  for (const { value: s, line: at } of rows) {
    if (!codes.has(s.programme_code))
      problems.push({
        file: path,
        line: at,
        column: 'programme_code',
        reason: `unknown programme ${s.programme_code}`,
      });
  }
  duplicates(rows, (s) => `${s.programme_code}#${s.position}`, path, 'position', problems);
  verifyCitations(
    path,
    rows.map(({ value: s, line: at }) => ({
      line: at,
      column: 'text',
      citation: citationOf(s, ''),
    })),
    problems,
  );
  const sources: NewProgrammeSource[] = rows.map(({ value: s }) => ({
    programme_code: s.programme_code,
    position: s.position,
    source_document: s.document,
    source_line: s.line,
    source_text: s.text,
  }));
  for (const p of programmes) {
    if (!sources.some((s) => s.programme_code === p.code)) {
      problems.push({
        file: `${dir}${DATA_FILES.programmes}`,
        line: lineOf.get(p.code) ?? 1,
        reason: `programme ${p.code} has no source`,
      });
    }
  }
  return sources;
}

import {
  type DataProblem,
  type LoadableTable,
  lineNumber,
  readRecords,
  SOURCE_DOCUMENTS,
  type SourceFile,
  validateRecords,
} from '@nhs-hub/kit/subgraph';
import { z } from 'zod';
import type { NewWorkforceFact } from '../db/types.js';

/** The documents a row may cite: those the kit names (SOURCE), each kept verbatim under infra/sources/. */
const SOURCE_FILES = SOURCE_DOCUMENTS.map((d) => d.file) as [SourceFile, ...SourceFile[]];

/** One row of data/workforce-facts.csv (or a file given to `npm run load`), as the table stores it. */
const FactRow = z
  .object({
    id: z.string().regex(/^[a-z0-9_]+\.[A-Za-z0-9_.-]+$/, 'like workforce.QJM.1'),
    stp_code: z.string().regex(/^[A-Z0-9]{3}$/, 'an STP ODS code such as QJM'),
    kind: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'capitals and underscores, e.g. VACANCY_RATE'),
    value: z
      .string()
      .regex(/^-?\d+(\.\d+)?$/, 'a plain decimal such as 9 or 0.5')
      .nullable(),
    unit: z.string().min(1).nullable(),
    qualifier: z.string().min(1).nullable(),
    statement: z.string().min(1),
    source_document: z.enum(SOURCE_FILES, {
      error: 'a document the kit names in SOURCE, e.g. seeds/000_647e8cd618725ea4.txt',
    }),
    source_line: lineNumber,
  })
  .refine((r) => (r.value === null) === (r.unit === null), { message: 'value and unit go together', path: ['unit'] });

/** The table `npm run load` loads files into; the seed step below validates the data file the same way. */
export const factLoadable: LoadableTable<NewWorkforceFact & z.infer<typeof FactRow>> = {
  table: 'workforce_fact',
  row: FactRow,
  columns: Object.keys(FactRow.shape),
  key: ['id'],
  citations: (row) => [
    { column: 'statement', citation: { document: row.source_document, line: row.source_line, text: row.statement } },
  ],
};

/**
 * workforce-facts.csv: one row per fact a source states. Every row is checked as `npm run load`
 * checks a file (columns, types, duplicate ids, the statement verbatim on its cited line); problems
 * are collected, not thrown, so one run reports all of them.
 */
export function readFacts(path: string, problems: DataProblem[]): NewWorkforceFact[] {
  return validateRecords(path, factLoadable, readRecords(path, problems), problems).map((row) => row.value);
}

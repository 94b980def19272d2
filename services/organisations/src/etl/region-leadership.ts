import {
  citationOf,
  type DataProblem,
  readCsv,
  sourceLines,
  verifyCitations,
  lineNumber,
  seedDocument,
} from '@nhs-hub/kit/subgraph';
import { z } from 'zod';
import type { NewRegionLeadershipNote } from '../db/types.js';
import { REGIONS_LIST } from './sources.js';
import { type DataFolder, duplicates } from './files.js';

export const RegionNoteRow = z.object({
  region_code: z.string().regex(/^Y\d{2}$/, 'expected a region ODS code such as Y60'),
  position: z.coerce
    .number()
    .int("expected a whole number: the sentence's place in the note (1, 2, ...)")
    .positive("expected 1 or more: the sentence's place in the note (1, 2, ...)"),
  note: z.string().min(1),
  document: seedDocument,
  line: lineNumber,
  text: z.string().min(1),
});

/** region-leadership.csv: what the seeds say about each region's leadership, in order, cited verbatim. */
export function readRegionLeadership(folder: DataFolder, problems: DataProblem[]): NewRegionLeadershipNote[] {
  const file = folder.file('regionLeadership');
  const rows = readCsv(folder.path('regionLeadership'), RegionNoteRow, problems);
  const regionCodes = new Set(
    sourceLines(REGIONS_LIST)
      .slice(1)
      .map((l) => l.split(',')[1])
      .filter(Boolean),
  );
  verifyCitations(
    folder.path('regionLeadership'),
    rows.map(({ value: r, line: at }) => ({
      line: at,
      column: 'text',
      citation: citationOf(r, ''),
    })),
    problems,
  );
  duplicates(rows, (r) => `${r.region_code}#${r.position}`, file, 'position', problems);
  for (const { value: r, line: at } of rows) {
    if (!regionCodes.has(r.region_code))
      problems.push({ file, line: at, column: 'region_code', reason: `${r.region_code} is not in ${REGIONS_LIST}` });
  }
  return rows.map(({ value: r }) => ({
    region_code: r.region_code,
    position: r.position,
    note: r.note,
    source_document: r.document,
    source_line: r.line,
    source_text: r.text,
  }));
}

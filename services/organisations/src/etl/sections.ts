import { citationOf, type DataProblem, readCsv, verifyCitations, lineNumber, stpOdsCode } from '@nhs-hub/kit/subgraph';
import { z } from 'zod';
import { TRACKER } from './sources.js';
import { type DataFolder, duplicates } from './files.js';

const SectionRow = z.object({
  stp_code: stpOdsCode,
  tracker_name: z.string().min(1),
  heading_line: lineNumber,
  heading_text: z.string().min(1),
});
export type Section = z.output<typeof SectionRow>;

/** The tracker's STP sections in line order, and which section a line falls in. */
export interface Sections {
  readonly headings: readonly Section[];
  readonly byCode: ReadonlyMap<string, Section>;
  sectionOf(line: number): Section | null;
}

/** tracker-sections.csv: which lines of the tracker belong to which STP (headings cited verbatim). */
export function readSections(folder: DataFolder, problems: DataProblem[]): Sections {
  const rows = readCsv(folder.path('trackerSections'), SectionRow, problems);
  verifyCitations(
    folder.path('trackerSections'),
    rows.map((r) => ({
      line: r.line,
      column: 'heading_text',
      citation: citationOf(r.value, 'heading', TRACKER),
    })),
    problems,
  );
  duplicates(rows, (s) => s.stp_code, folder.file('trackerSections'), 'stp_code', problems);
  const headings = rows.map((r) => r.value).sort((a, b) => a.heading_line - b.heading_line);
  return {
    headings,
    byCode: new Map(headings.map((s) => [s.stp_code, s])),
    sectionOf: (at) => headings.filter((s) => s.heading_line <= at).at(-1) ?? null,
  };
}

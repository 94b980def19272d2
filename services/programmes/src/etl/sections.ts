import { citationOf, type DataProblem, readCsv, verifyCitations, lineNumber, stpOdsCode } from '@nhs-hub/kit/subgraph';
import { z } from 'zod';
import { TRACKER } from './sources.js';
import { DATA_FILES, duplicates } from './files.js';

const StpRow = z.object({
  ods_code: stpOdsCode,
  tracker_name: z.string().min(1),
  heading_line: lineNumber,
  heading_text: z.string().min(1),
});
export type Heading = z.output<typeof StpRow>;

export interface Sections {
  /** In line order. */
  readonly headings: readonly Heading[];
  /** Each STP's lines in the tracker: after its heading, up to the next heading. */
  readonly rangeOf: ReadonlyMap<string, { from: number; to: number }>;
}

/** tracker-stps.csv: the tracker's STP sections by heading (cited verbatim), each once. */
export function readSections(dir: string, problems: DataProblem[]): Sections {
  const path = `${dir}${DATA_FILES.stps}`;
  const rows = readCsv(path, StpRow, problems);
  verifyCitations(
    path,
    rows.map(({ value: s, line: at }) => ({
      line: at,
      column: 'heading_text',
      citation: citationOf(s, 'heading', TRACKER),
    })),
    problems,
  );
  duplicates(rows, (s) => s.ods_code, path, 'ods_code', problems);
  const headings = rows.map((r) => r.value).sort((a, b) => a.heading_line - b.heading_line);
  return {
    headings,
    rangeOf: new Map(
      headings.map((h, i) => [
        h.ods_code,
        { from: h.heading_line, to: (headings[i + 1]?.heading_line ?? Number.MAX_SAFE_INTEGER) - 1 },
      ]),
    ),
  };
}

import { citationOf, type DataProblem, readCsv, verifyCitations, lineNumber } from '@nhs-hub/kit/subgraph';
import { z } from 'zod';
import type { NewSubPoint } from '../db/types.js';
import { LINCOLNSHIRE_PAPER } from './sources.js';
import { DATA_FILES, duplicates, position } from './files.js';

export const PaperPointRow = z.object({
  priority_id: z.string().min(1),
  position,
  line: lineNumber,
  text: z.string().min(1),
});

/** lincolnshire-points.csv: the bullet points under the paper's priorities, verbatim, in order. */
export function readPaperPoints(dir: string, priorityIds: ReadonlySet<string>, problems: DataProblem[]): NewSubPoint[] {
  const path = `${dir}${DATA_FILES.paperPoints}`;
  const rows = readCsv(path, PaperPointRow, problems);
  duplicates(rows, (p) => `${p.priority_id}#${p.position}`, path, 'position', problems);
  for (const { value: p, line: at } of rows) {
    if (!priorityIds.has(p.priority_id))
      problems.push({ file: path, line: at, column: 'priority_id', reason: `unknown priority ${p.priority_id}` });
  }
  verifyCitations(
    path,
    rows.map(({ value: p, line: at }) => ({
      line: at,
      column: 'text',
      citation: citationOf(p, '', LINCOLNSHIRE_PAPER),
    })),
    problems,
  );
  return rows.map(({ value: p }) => paperPointOf(p));
}

/** The sub_point row one line of lincolnshire-points.csv becomes: a point under a priority of the paper. */
export function paperPointOf(p: z.output<typeof PaperPointRow>): Required<NewSubPoint> {
  return {
    owner_id: p.priority_id,
    position: p.position,
    source_document: LINCOLNSHIRE_PAPER,
    source_line: p.line,
    text: p.text,
  };
}

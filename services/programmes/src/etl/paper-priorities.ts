import {
  type Citation,
  cite,
  type DataProblem,
  readCsv,
  sourceLine,
  verifyCitations,
  lineNumber,
} from '@nhs-hub/kit/subgraph';
import { z } from 'zod';
import type { NewPriority } from '../db/types.js';
import { LINCOLNSHIRE_PAPER } from './sources.js';
import { contiguous, DATA_FILES, duplicates, LINCOLNSHIRE, optional, position } from './files.js';

const PaperPriorityRow = z.object({
  id: z.string().regex(/^QJM\.paper\.[a-z0-9.-]+$/, 'expected an id such as QJM.paper.5.1'),
  kind: z.enum(['LINCOLNSHIRE_PRIORITY', 'WORK_STREAM']),
  parent_id: optional,
  position,
  section_number: optional,
  line: lineNumber,
  title: z.string().min(1),
  summary_line: z.union([z.literal('').transform(() => null), lineNumber]),
  summary_text: optional,
  flag_code: optional,
  flag_explanation: optional,
});

/** Sort keys of the paper's priorities start after every tracker focus (a section has fewer than 100). */
const FIRST_SORT_KEY = 100;

/**
 * lincolnshire-priorities.csv: the Lincolnshire paper's priorities (5.1-5.7) and the work streams
 * under them, cited verbatim (title, section number, summary). Ordered depth-first after the
 * tracker focuses: 5.1, 5.2, 5.2.1, 5.2.2, 5.3, ...
 */
export function readPaperPriorities(
  dir: string,
  problems: DataProblem[],
): { priorities: NewPriority[]; ids: ReadonlySet<string> } {
  const path = `${dir}${DATA_FILES.paperPriorities}`;
  const rows = readCsv(path, PaperPriorityRow, problems);
  const cited: { line: number; column: string; citation: Citation }[] = [];
  duplicates(rows, (p) => p.id, path, 'id', problems);
  for (const { value: p, line: at } of rows) {
    cited.push({ line: at, column: 'title', citation: cite(LINCOLNSHIRE_PAPER, p.line, p.title) });
    if (p.section_number)
      cited.push({
        line: at,
        column: 'section_number',
        citation: cite(LINCOLNSHIRE_PAPER, p.line, p.section_number),
      });
    if ((p.summary_line === null) !== (p.summary_text === null)) {
      problems.push({
        file: path,
        line: at,
        column: 'summary_text',
        reason: 'summary_line and summary_text go together',
      });
    } else if (p.summary_line !== null && p.summary_text !== null) {
      cited.push({
        line: at,
        column: 'summary_text',
        citation: cite(LINCOLNSHIRE_PAPER, p.summary_line, p.summary_text),
      });
    }
    if ((p.kind === 'WORK_STREAM') !== (p.parent_id !== null)) {
      problems.push({
        file: path,
        line: at,
        column: 'parent_id',
        reason: 'a work stream, and only a work stream, has a parent',
      });
    } else if (
      p.parent_id &&
      !rows.some((o) => o.value.id === p.parent_id && o.value.kind === 'LINCOLNSHIRE_PRIORITY')
    ) {
      problems.push({
        file: path,
        line: at,
        column: 'parent_id',
        reason: `${p.parent_id} is not a priority of the paper`,
      });
    }
    if ((p.flag_code === null) !== (p.flag_explanation === null)) {
      problems.push({
        file: path,
        line: at,
        column: 'flag_explanation',
        reason: 'flag_code and flag_explanation go together',
      });
    }
  }
  verifyCitations(path, cited, problems);
  const all = rows.map((r) => r.value);
  const tops = all.filter((p) => p.kind === 'LINCOLNSHIRE_PRIORITY').sort((a, b) => a.position - b.position);
  const priorities: NewPriority[] = [];
  let sortKey = FIRST_SORT_KEY;
  for (const top of tops) {
    for (const p of [top, ...all.filter((c) => c.parent_id === top.id).sort((a, b) => a.position - b.position)]) {
      sortKey += 1;
      priorities.push({
        id: p.id,
        stp_code: LINCOLNSHIRE,
        kind: p.kind,
        parent_id: p.parent_id,
        position: p.position,
        sort_key: sortKey,
        section_number: p.section_number,
        title: p.title,
        summary: p.summary_text,
        summary_line: p.summary_line,
        source_document: LINCOLNSHIRE_PAPER,
        source_line: p.line,
        source_text: sourceLine(LINCOLNSHIRE_PAPER, p.line) ?? p.title,
        flag_code: p.flag_code,
        flag_explanation: p.flag_explanation,
      });
    }
  }
  contiguous(
    priorities.filter((p) => p.kind === 'LINCOLNSHIRE_PRIORITY'),
    () => LINCOLNSHIRE,
    path,
    problems,
  );
  return { priorities, ids: new Set(all.map((p) => p.id)) };
}

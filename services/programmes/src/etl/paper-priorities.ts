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

export const PaperPriorityRow = z.object({
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
export type PaperPriorityInput = z.output<typeof PaperPriorityRow>;

/** A problem with one row, before it is placed in a file. */
export interface RowProblem {
  readonly column: string;
  readonly reason: string;
}

/** Sort keys of the paper's priorities start after every tracker focus (a section has fewer than 100). */
const FIRST_SORT_KEY = 100;

/** What the row cites: its title and section number on its line, its summary on the summary line. */
export function paperPriorityCitations(
  p: Pick<PaperPriorityInput, 'line' | 'title' | 'section_number' | 'summary_line' | 'summary_text'>,
): { column: string; citation: Citation }[] {
  return [
    { column: 'title', citation: cite(LINCOLNSHIRE_PAPER, p.line, p.title) },
    ...(p.section_number
      ? [{ column: 'section_number', citation: cite(LINCOLNSHIRE_PAPER, p.line, p.section_number) }]
      : []),
    ...(p.summary_line !== null && p.summary_text !== null
      ? [{ column: 'summary_text', citation: cite(LINCOLNSHIRE_PAPER, p.summary_line, p.summary_text) }]
      : []),
  ];
}

/** What one row gets wrong by itself: parts that go together, and only a work stream has a parent. */
export function paperPriorityProblems(p: PaperPriorityInput): RowProblem[] {
  const problems: RowProblem[] = [];
  if ((p.summary_line === null) !== (p.summary_text === null))
    problems.push({ column: 'summary_text', reason: 'summary_line and summary_text go together' });
  if ((p.kind === 'WORK_STREAM') !== (p.parent_id !== null))
    problems.push({ column: 'parent_id', reason: 'a work stream, and only a work stream, has a parent' });
  if ((p.flag_code === null) !== (p.flag_explanation === null))
    problems.push({ column: 'flag_explanation', reason: 'flag_code and flag_explanation go together' });
  return problems;
}

/** A work stream's parent must be one of the paper's priorities (not a work stream itself). */
export function parentProblem(
  p: Pick<PaperPriorityInput, 'parent_id'>,
  priorities: readonly Pick<NewPriority, 'id' | 'kind'>[],
): RowProblem | null {
  if (!p.parent_id || priorities.some((o) => o.id === p.parent_id && o.kind === 'LINCOLNSHIRE_PRIORITY')) return null;
  return { column: 'parent_id', reason: `${p.parent_id} is not a priority of the paper` };
}

/** The priority row one line of the file becomes, without its sort key (the whole tree decides it). */
export function paperPriorityOf(p: PaperPriorityInput): Omit<NewPriority, 'sort_key'> {
  return {
    id: p.id,
    stp_code: LINCOLNSHIRE,
    kind: p.kind,
    parent_id: p.parent_id,
    position: p.position,
    section_number: p.section_number,
    title: p.title,
    summary: p.summary_text,
    summary_line: p.summary_line,
    source_document: LINCOLNSHIRE_PAPER,
    source_line: p.line,
    source_text: sourceLine(LINCOLNSHIRE_PAPER, p.line) ?? p.title,
    flag_code: p.flag_code,
    flag_explanation: p.flag_explanation,
  };
}

/**
 * The paper's priorities in the order they are read, depth-first after the tracker focuses (5.1,
 * 5.2, 5.2.1, 5.2.2, 5.3, ...), each with its sort key.
 */
export function paperSortOrder<P extends Pick<NewPriority, 'id' | 'kind' | 'parent_id' | 'position'>>(
  all: readonly P[],
): { priority: P; sortKey: number }[] {
  const tops = all.filter((p) => p.kind === 'LINCOLNSHIRE_PRIORITY').sort((a, b) => a.position - b.position);
  const ordered: { priority: P; sortKey: number }[] = [];
  let sortKey = FIRST_SORT_KEY;
  for (const top of tops)
    for (const p of [top, ...all.filter((c) => c.parent_id === top.id).sort((a, b) => a.position - b.position)]) {
      sortKey += 1;
      ordered.push({ priority: p, sortKey });
    }
  return ordered;
}

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
  const all = rows.map((r) => r.value);
  for (const { value: p, line: at } of rows) {
    for (const c of paperPriorityCitations(p)) cited.push({ line: at, ...c });
    const own = paperPriorityProblems(p);
    const parent = own.some((o) => o.column === 'parent_id') ? null : parentProblem(p, all);
    for (const problem of [...own, ...(parent ? [parent] : [])]) problems.push({ file: path, line: at, ...problem });
  }
  verifyCitations(path, cited, problems);
  const priorities = paperSortOrder(all).map(({ priority, sortKey }) => ({
    ...paperPriorityOf(priority),
    sort_key: sortKey,
  }));
  contiguous(
    priorities.filter((p) => p.kind === 'LINCOLNSHIRE_PRIORITY'),
    () => LINCOLNSHIRE,
    path,
    problems,
  );
  return { priorities, ids: new Set(all.map((p) => p.id)) };
}

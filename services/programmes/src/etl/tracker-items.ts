import {
  type Citation,
  citationOf,
  type DataProblem,
  readCsv,
  verifyCitations,
  lineNumber,
  stpOdsCode,
} from '@nhs-hub/kit/subgraph';
import { z } from 'zod';
import type { NewConsideration, NewPriority, NewSubPoint } from '../db/types.js';
import { TRACKER } from './sources.js';
import { contiguous, DATA_FILES, duplicates, position } from './files.js';
import type { Sections } from './sections.js';

export const TrackerItemRow = z.object({
  stp_code: stpOdsCode,
  list: z.enum(['FOCUS', 'CONSIDERATION']),
  position,
  sub_position: z.coerce.number().int().nonnegative(),
  line: lineNumber,
  text: z.string().min(1),
});
export type TrackerItem = z.output<typeof TrackerItemRow>;

/** Flags of tracker focus bullets that are remarks rather than priorities (kept verbatim). */
const TRACKER_FLAGS: Record<string, { code: string; explanation: string }> = {
  'QJ2:789': {
    code: 'NOT_A_PRIORITY',
    explanation:
      "The bullet under 'Focuses' says 'No further specifics mentioned': kept verbatim, it names no priority.",
  },
  'QVP:440': {
    code: 'NOT_A_PRIORITY',
    explanation: "The bullet under 'Focuses' notes unquantified financial risks rather than a priority; kept verbatim.",
  },
};

export const idOf = (i: Pick<TrackerItem, 'stp_code' | 'list' | 'position'>) =>
  `${i.stp_code}.${i.list === 'FOCUS' ? 'focus' : 'consideration'}.${i.position}`;

/** A problem with one row, before it is placed in a file. */
export interface RowProblem {
  readonly column: string;
  readonly reason: string;
}

/** Where a bullet stands: its STP must be a tracker section, and its line inside that section. */
export function trackerItemProblems(i: TrackerItem, sections: Sections): RowProblem[] {
  const section = sections.rangeOf.get(i.stp_code);
  if (!section) return [{ column: 'stp_code', reason: `${i.stp_code} is not in ${DATA_FILES.stps}` }];
  if (i.line <= section.from || i.line > section.to)
    return [
      {
        column: 'line',
        reason: `line ${i.line} is outside the ${i.stp_code} section of the tracker (lines ${section.from}-${section.to})`,
      },
    ];
  return [];
}

/** The priority a focus bullet is: in the tracker's order (its position is its sort key), flagged where it is a remark. */
export function focusOf(i: TrackerItem): NewPriority & { id: string; sort_key: number } {
  const flag = TRACKER_FLAGS[`${i.stp_code}:${i.line}`];
  return {
    id: idOf(i),
    stp_code: i.stp_code,
    kind: 'FOCUS',
    parent_id: null,
    position: i.position,
    sort_key: i.position,
    section_number: null,
    title: i.text,
    summary: null,
    summary_line: null,
    source_document: TRACKER,
    source_line: i.line,
    source_text: i.text,
    flag_code: flag?.code ?? null,
    flag_explanation: flag?.explanation ?? null,
  };
}

/** The consideration a "Relevant considerations" bullet is, in the tracker's order. */
export function considerationOf(i: TrackerItem): Required<NewConsideration> {
  return {
    id: idOf(i),
    stp_code: i.stp_code,
    position: i.position,
    text: i.text,
    source_document: TRACKER,
    source_line: i.line,
  };
}

export interface TrackerItems {
  readonly priorities: NewPriority[];
  readonly considerations: NewConsideration[];
  readonly subPoints: NewSubPoint[];
  /** Each bullet's sub-point texts, in order: the programme rules read them too. */
  readonly subPointsOf: ReadonlyMap<string, string[]>;
}

/**
 * tracker-items.csv: each STP section's "Focuses" (priorities) and "Considerations" bullets, with
 * their sub-points, verbatim and inside their STP's section. Every STP has a focus, and positions
 * run 1, 2, 3... within each STP.
 */
export function readTrackerItems(dir: string, sections: Sections, problems: DataProblem[]): TrackerItems {
  const path = `${dir}${DATA_FILES.trackerItems}`;
  const rows = readCsv(path, TrackerItemRow, problems);
  const cited: { line: number; column: string; citation: Citation }[] = [];
  const items: TrackerItems = { priorities: [], considerations: [], subPoints: [], subPointsOf: new Map() };
  const subPointsOf = new Map<string, string[]>();
  duplicates(rows, (i) => `${idOf(i)}#${i.sub_position}`, path, 'sub_position', problems);
  for (const { value: i, line: at } of rows) {
    cited.push({ line: at, column: 'text', citation: citationOf(i, '', TRACKER) });
    const placed = trackerItemProblems(i, sections);
    for (const problem of placed) problems.push({ file: path, line: at, ...problem });
    if (placed.some((p) => p.column === 'stp_code')) continue;
    const id = idOf(i);
    if (i.sub_position > 0) {
      const owner = rows.find((o) => o.value.sub_position === 0 && idOf(o.value) === id);
      if (!owner) {
        problems.push({
          file: path,
          line: at,
          column: 'position',
          reason: `sub-point of ${id}, which has no bullet row`,
        });
        continue;
      }
      items.subPoints.push({
        owner_id: id,
        position: i.sub_position,
        source_document: TRACKER,
        source_line: i.line,
        text: i.text,
      });
      subPointsOf.set(id, [...(subPointsOf.get(id) ?? []), i.text]);
      continue;
    }
    if (i.list === 'FOCUS') {
      items.priorities.push(focusOf(i));
    } else {
      items.considerations.push(considerationOf(i));
    }
  }
  verifyCitations(path, cited, problems);
  for (const h of sections.headings) {
    if (!items.priorities.some((p) => p.stp_code === h.ods_code))
      problems.push({ file: path, line: 1, reason: `${h.ods_code} has no focus` });
  }
  contiguous(items.priorities, (p) => p.stp_code, path, problems);
  contiguous(items.considerations, (c) => c.stp_code, path, problems);
  return { ...items, subPointsOf };
}

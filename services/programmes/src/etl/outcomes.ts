import { citationOf, type DataProblem, readCsv, verifyCitations, lineNumber } from '@nhs-hub/kit/subgraph';
import { z } from 'zod';
import type { NewStatedOutcome } from '../db/types.js';
import { LINCOLNSHIRE_PAPER } from './sources.js';
import { DATA_FILES, duplicates, optional, position } from './files.js';

export const OutcomeRow = z.object({
  priority_id: z.string().min(1),
  position,
  kind: z.enum(['RESULT', 'TARGET']),
  line: lineNumber,
  text: z.string().min(1),
  value: z.string().regex(/^\d+(\.\d+)?$/, 'expected an exact decimal such as 48.2'),
  unit: z.enum(['PERCENT', 'COUNT', 'GBP_M', 'WEEKS', 'HOURS']),
  flag_code: optional,
  flag_explanation: optional,
});

/**
 * lincolnshire-outcomes.csv: results and targets the paper states under its priorities, typed
 * (value, unit) and cited verbatim. Where the text has digits, the value must be one it states.
 */
export function readOutcomes(
  dir: string,
  priorityIds: ReadonlySet<string>,
  problems: DataProblem[],
): NewStatedOutcome[] {
  const path = `${dir}${DATA_FILES.outcomes}`;
  const rows = readCsv(path, OutcomeRow, problems);
  duplicates(rows, (o) => `${o.priority_id}#${o.position}`, path, 'position', problems);
  for (const { value: o, line: at } of rows) {
    if (!priorityIds.has(o.priority_id))
      problems.push({ file: path, line: at, column: 'priority_id', reason: `unknown priority ${o.priority_id}` });
    for (const problem of outcomeProblems(o)) problems.push({ file: path, line: at, ...problem });
  }
  verifyCitations(
    path,
    rows.map(({ value: o, line: at }) => ({
      line: at,
      column: 'text',
      citation: citationOf(o, '', LINCOLNSHIRE_PAPER),
    })),
    problems,
  );
  return rows.map(({ value: o }) => outcomeOf(o));
}

export type OutcomeInput = z.output<typeof OutcomeRow>;

/** What one row gets wrong by itself: a value its words do not state, a flag without its explanation. */
export function outcomeProblems(o: OutcomeInput): { column: string; reason: string }[] {
  const problems: { column: string; reason: string }[] = [];
  // Where the stated text has digits, the value must be one of the numbers it states.
  const numbers = o.text.match(/\d+(?:\.\d+)?/g);
  if (numbers && !numbers.some((n) => Number(n) === Number(o.value)))
    problems.push({ column: 'value', reason: `${o.value} is not a number stated in '${o.text}'` });
  if ((o.flag_code === null) !== (o.flag_explanation === null))
    problems.push({ column: 'flag_explanation', reason: 'flag_code and flag_explanation go together' });
  return problems;
}

/** The stated_outcome row one line of the file becomes. */
export function outcomeOf(o: OutcomeInput): Required<NewStatedOutcome> {
  return {
    priority_id: o.priority_id,
    position: o.position,
    kind: o.kind,
    text: o.text,
    value: o.value,
    unit: o.unit,
    source_document: LINCOLNSHIRE_PAPER,
    source_line: o.line,
    flag_code: o.flag_code,
    flag_explanation: o.flag_explanation,
  };
}

import { readFileSync } from 'node:fs';
import { basename, relative } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { z } from 'zod';
import { REPO_ROOT } from './repo.js';
import { type Citation, checkCitation } from './sources.js';

/** One problem in a data file, located the way an editor jumps to it. */
export interface DataProblem {
  readonly file: string;
  readonly line: number;
  readonly column?: string | undefined;
  readonly reason: string;
}

/** A data file (or several) failed validation; nothing was loaded. */
export class DataFileError extends Error {
  constructor(readonly problems: readonly DataProblem[]) {
    super(
      `Data validation failed; nothing was loaded (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${formatProblem(p)}`).join('\n'),
    );
    this.name = 'DataFileError';
  }
}

export function formatProblem(p: DataProblem): string {
  return `${placeOf(p)}: ${p.reason}`;
}

/**
 * A problem with its file's name only ("roles.csv:19 [kind] reason"), for tests: they load an
 * edited copy of the data from a temporary folder, whose name changes every run. Beside
 * formatProblem rather than in `./testing` so ETL tests need not load the gateway to compare problems.
 */
export function located(p: DataProblem): string {
  return `${placeOf({ ...p, file: basename(p.file) })} ${p.reason}`;
}

function placeOf(p: DataProblem): string {
  return `${p.file}:${p.line}${p.column ? ` [${p.column}]` : ''}`;
}

export interface DataRow<T> {
  readonly value: T;
  /** 1-based line of the record in its file. */
  readonly line: number;
}

/**
 * Parses a CSV file with a header row and validates every record, collecting every problem
 * (not just the first) so one run tells a data engineer everything that is wrong.
 */
export function readCsv<S extends z.ZodType>(path: string, schema: S, problems: DataProblem[]): DataRow<z.output<S>>[] {
  const file = displayPath(path);
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(readFileSync(path, 'utf8'), {
      columns: true,
      info: true,
      skip_empty_lines: true,
      trim: false,
    }) as { record: Record<string, string>; info: { lines: number } }[];
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 1;
    problems.push({ file, line, reason: `unreadable CSV: ${(error as Error).message}` });
    return [];
  }
  const rows: DataRow<z.output<S>>[] = [];
  for (const { record, info } of records) {
    const parsed = schema.safeParse(record);
    if (parsed.success) {
      rows.push({ value: parsed.data, line: info.lines });
    } else {
      problems.push(...issueProblems(parsed.error.issues, record, { file, line: info.lines }));
    }
  }
  return rows;
}

/** A cell with nothing in it: absent, null (an empty CSV cell, a JSON null) or only blanks. */
const isMissing = (value: unknown): boolean =>
  value === null || value === undefined || (typeof value === 'string' && value.trim() === '');

/**
 * One record's zod issues as problems in plain words. An empty cell is a missing value, whatever zod
 * makes of it ("expected string, received null" for text, "Too small: expected number to be >0" for
 * a coerced number, "Invalid option" for an enum): "column X is required", once per column however
 * many issues it raised. A custom issue is the subgraph's own sentence (a rule across columns) and is kept.
 */
export function issueProblems(
  issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string; readonly code?: string }[],
  record: Readonly<Record<string, unknown>>,
  at: { readonly file: string; readonly line: number },
): DataProblem[] {
  const problems: DataProblem[] = [];
  const required = new Set<string>();
  for (const issue of issues) {
    const column = issue.path.join('.') || undefined;
    const missing =
      column !== undefined && issue.path.length === 1 && issue.code !== 'custom' && isMissing(record[column]);
    if (missing && required.has(column)) continue;
    if (missing) required.add(column);
    problems.push({ ...at, column, reason: missing ? `column ${column} is required` : issue.message });
  }
  return problems;
}

/** Checks that every cited text stands verbatim on its line, reporting the data row that cites it. */
export function verifyCitations(
  path: string,
  cited: readonly { line: number; column: string; citation: Citation }[],
  problems: DataProblem[],
): void {
  const file = displayPath(path);
  for (const { line, column, citation } of cited) {
    const reason = checkCitation(citation);
    if (reason) problems.push({ file, line, column, reason: `citation does not hold: ${reason}` });
  }
}

export function throwIfProblems(problems: readonly DataProblem[]): void {
  if (problems.length > 0) throw new DataFileError(problems);
}

export function displayPath(path: string): string {
  const rel = relative(REPO_ROOT, path);
  return rel.startsWith('..') ? path : rel;
}

/** Reports every row whose key an earlier row of the same file already has. */
export function duplicates<T>(
  rows: readonly DataRow<T>[],
  keyOf: (row: T) => string,
  file: string,
  column: string,
  problems: DataProblem[],
): void {
  const seen = new Map<string, number>();
  for (const { value, line: at } of rows) {
    const key = keyOf(value);
    const first = seen.get(key);
    if (first !== undefined) problems.push({ file, line: at, column, reason: `duplicates line ${first} (${key})` });
    else seen.set(key, at);
  }
}

import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { type Kysely, sql } from 'kysely';
import { DataFileError, type DataProblem, type DataRow, displayPath, verifyCitations } from './data.js';
import type { Citation } from './sources.js';

/** What the loader needs of a zod schema; a plain interface so tables of any row type fit one list. */
export interface RowSchema<Row> {
  safeParse(
    value: unknown,
  ):
    | { success: true; data: Row }
    | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
}

/**
 * A table a data engineer may load files into: the zod schema one record must satisfy (its output
 * is the table row, snake_case columns) and the key that makes a load an idempotent upsert.
 */
export interface LoadableTable<Row extends Record<string, unknown> = Record<string, unknown>> {
  readonly table: string;
  readonly row: RowSchema<Row>;
  /**
   * The columns a file may have (e.g. `Object.keys(RowSchema.shape)`). zod drops keys it does not
   * know, so without this a misspelt optional column would load as empty instead of failing.
   */
  readonly columns?: readonly string[];
  /** Columns of the upsert key (a primary key or unique constraint of the table). */
  readonly key: readonly string[];
  /** Citations each row makes, checked against the verbatim documents before anything loads. */
  citations?(row: Row): readonly { column: string; citation: Citation }[];
}

export interface LoadSummary {
  readonly file: string;
  readonly table: string;
  readonly rows: number;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  /** Rows whose key the file no longer has (only with `replace`). */
  readonly deleted: number;
  readonly dryRun: boolean;
}

export interface LoadOptions {
  readonly dryRun?: boolean;
  /** The file is the whole table: rows whose key it lacks are deleted (a seed); a load only adds and updates. */
  readonly replace?: boolean;
  /** Called as rows are compared and written: (done, total). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Reads a CSV (header row) or JSON (array of objects) file into records with their 1-based lines. */
export function readRecords(path: string, problems: DataProblem[]): DataRow<Record<string, unknown>>[] {
  const file = displayPath(path);
  const text = readFileSync(path, 'utf8');
  if (/\.json$/i.test(path)) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      problems.push({ file, line: 1, reason: `unreadable JSON: ${(error as Error).message}` });
      return [];
    }
    if (!Array.isArray(value)) {
      problems.push({ file, line: 1, reason: 'expected a JSON array of objects' });
      return [];
    }
    const lines = elementLines(text);
    const records: DataRow<Record<string, unknown>>[] = [];
    value.forEach((record: unknown, i) => {
      const line = lines[i] ?? 1;
      if (record !== null && typeof record === 'object' && !Array.isArray(record))
        records.push({ value: record as Record<string, unknown>, line });
      else
        problems.push({
          file,
          line,
          reason: `expected an object (one row), found ${record === null ? 'null' : Array.isArray(record) ? 'an array' : typeof record}`,
        });
    });
    return records;
  }
  try {
    // bom: spreadsheets save CSV with a byte-order mark, which would otherwise become part of the first column's name.
    const records = parse(text, { bom: true, columns: true, info: true, skip_empty_lines: true }) as {
      record: Record<string, string>;
      info: { lines: number };
    }[];
    // CSV has no null: an empty cell is a missing value.
    return records.map(({ record, info }) => ({
      value: Object.fromEntries(Object.entries(record).map(([k, v]) => [k, v === '' ? null : v])),
      line: info.lines,
    }));
  } catch (error) {
    problems.push({
      file,
      line: (error as { lines?: number }).lines ?? 1,
      reason: `unreadable CSV: ${(error as Error).message}`,
    });
    return [];
  }
}

/** The line each top-level element of a JSON array starts on, so problems point into the file. */
function elementLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let expectElement = false;
  for (const ch of text) {
    if (ch === '\n') line++;
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (/\s/.test(ch)) continue;
    if (depth === 1 && expectElement && ch !== ']') {
      lines.push(line);
      expectElement = false;
    }
    if (ch === '"') inString = true;
    else if (ch === '[' || ch === '{') {
      depth++;
      if (depth === 1) expectElement = true;
    } else if (ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 1) expectElement = true;
  }
  return lines;
}

/** Validates every record; every problem is reported (file:line [column]: reason), none loaded. */
export function validateRecords<Row extends Record<string, unknown>>(
  path: string,
  loadable: LoadableTable<Row>,
  records: readonly DataRow<Record<string, unknown>>[],
  problems: DataProblem[],
): DataRow<Row>[] {
  const file = displayPath(path);
  const isJson = /\.json$/i.test(path);
  const known = loadable.columns ? new Set(loadable.columns) : null;
  const reported = new Set<string>();
  const rows: DataRow<Row>[] = [];
  const cited: { line: number; column: string; citation: Citation }[] = [];
  const seen = new Map<string, number>();
  for (const { value, line } of records) {
    for (const column of Object.keys(value)) {
      if (!known || known.has(column) || reported.has(column)) continue;
      // A CSV's columns are its header's: one problem on line 1, not one per row.
      if (!isJson) reported.add(column);
      problems.push({
        file,
        line: isJson ? line : 1,
        column,
        reason: `unknown column; ${loadable.table} has ${[...known].join(', ')}`,
      });
    }
    const parsed = loadable.row.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.push({ file, line, column: issue.path.join('.') || undefined, reason: issue.message });
      continue;
    }
    const key = JSON.stringify(loadable.key.map((k) => parsed.data[k]));
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push({
        file,
        line,
        column: loadable.key.join(','),
        reason: `duplicate key ${key}, first on line ${first}`,
      });
      continue;
    }
    seen.set(key, line);
    for (const { column, citation } of loadable.citations?.(parsed.data) ?? []) cited.push({ line, column, citation });
    rows.push({ value: parsed.data, line });
  }
  verifyCitations(path, cited, problems);
  return rows;
}

/**
 * The table as the subgraph's scoped db names it. withSchema() qualifies builder queries but not
 * raw SQL, and the upsert below is raw SQL (its columns are only known at run time).
 */
function qualifiedTable<DB>(db: Kysely<DB>, table: string) {
  const compiled = (db as unknown as Kysely<Record<string, Record<string, never>>>)
    .selectFrom(table)
    .selectAll()
    .compile().sql;
  const schema = /from "([^"]+)"\."/.exec(compiled)?.[1];
  return sql.table(schema ? `${schema}.${table}` : table);
}

const DECIMAL = /^-?\d+(\.\d+)?$/;
/** "9.0" and "9" are the same number: numeric columns read back without the file's trailing zeros. */
const canonical = (value: unknown): string => {
  const text = String(value);
  return DECIMAL.test(text) && text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
};
const same = (a: unknown, b: unknown): boolean => {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  if (typeof a === 'object' || typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return canonical(a) === canonical(b);
};

/**
 * Loads a file into one table of a subgraph's schema: validates every row first (nothing loads if
 * any is bad), then in one transaction inserts new keys, updates changed rows and leaves identical
 * ones alone, so a second run of the same file changes nothing. A dry run reports the same
 * counts and writes nothing.
 */
export async function loadFile<Row extends Record<string, unknown>, DB>(
  db: Kysely<DB>,
  loadable: LoadableTable<Row>,
  path: string,
  options: LoadOptions = {},
): Promise<LoadSummary> {
  const problems: DataProblem[] = [];
  const rows = validateRecords(path, loadable, readRecords(path, problems), problems);
  // In file order, so the report reads top to bottom (sort is stable: a line's problems keep their order).
  if (problems.length) throw new DataFileError(problems.sort((a, b) => a.line - b.line));
  const table = qualifiedTable(db, loadable.table);
  const keyOf = (row: Record<string, unknown>) => JSON.stringify(loadable.key.map((k) => row[k] ?? null));
  let inserted = 0;
  let updated = 0;
  let unchanged = 0;
  let deleted = 0;
  const BATCH = 500;
  const write = async (trx: Kysely<unknown>) => {
    for (let start = 0; start < rows.length; start += BATCH) {
      const batch = rows.slice(start, start + BATCH).map((r) => r.value);
      const keys = sql.join(batch.map((row) => sql`(${sql.join(loadable.key.map((k) => sql`${row[k] ?? null}`))})`));
      const columns = sql.join(loadable.key.map((k) => sql.id(k)));
      const { rows: existing } = await sql<
        Record<string, unknown>
      >`select * from ${table} where (${columns}) in (${keys})`.execute(trx);
      const current = new Map(existing.map((row) => [keyOf(row), row]));
      const changed = batch.filter((row) => {
        const before = current.get(keyOf(row));
        if (!before) {
          inserted++;
          return true;
        }
        if (Object.keys(row).every((column) => same(row[column], before[column]))) {
          unchanged++;
          return false;
        }
        updated++;
        return true;
      });
      if (!options.dryRun && changed.length) {
        const names = Object.keys(changed[0] ?? {});
        const values = sql.join(
          changed.map(
            (row) =>
              sql`(${sql.join(names.map((n) => (row[n] !== null && typeof row[n] === 'object' ? sql`${JSON.stringify(row[n])}` : sql`${row[n] ?? null}`)))})`,
          ),
        );
        const updates = names
          .filter((n) => !loadable.key.includes(n))
          .map((n) => sql`${sql.id(n)} = excluded.${sql.id(n)}`);
        await sql`insert into ${table} (${sql.join(names.map((n) => sql.id(n)))}) values ${values}
          on conflict (${columns}) do ${updates.length ? sql`update set ${sql.join(updates)}` : sql`nothing`}`.execute(
          trx,
        );
      }
      options.onProgress?.(Math.min(start + BATCH, rows.length), rows.length);
    }
    if (options.replace) {
      const columns = sql.join(loadable.key.map((k) => sql.id(k)));
      const keep = rows.length
        ? sql`where (${columns}) not in (${sql.join(rows.map(({ value }) => sql`(${sql.join(loadable.key.map((k) => sql`${value[k] ?? null}`))})`))})`
        : sql``;
      const { rows: gone } = await sql<{ n: number }>`select count(*)::int as n from ${table} ${keep}`.execute(trx);
      deleted = Number(gone[0]?.n ?? 0);
      if (!options.dryRun && deleted) await sql`delete from ${table} ${keep}`.execute(trx);
    }
  };
  const untyped = db as unknown as Kysely<unknown>;
  if (options.dryRun) await write(untyped);
  else await untyped.transaction().execute(write);
  return {
    file: displayPath(path),
    table: loadable.table,
    rows: rows.length,
    inserted,
    updated,
    unchanged,
    deleted,
    dryRun: options.dryRun ?? false,
  };
}

export function formatLoadSummary(s: LoadSummary): string {
  const verb = s.dryRun ? 'would insert' : 'inserted';
  const nothing =
    s.inserted + s.updated + s.deleted === 0 ? ' Nothing to change: the table already holds this file.' : '';
  const removed = s.deleted ? `, ${s.dryRun ? 'would delete' : 'deleted'} ${s.deleted}` : '';
  return `${s.file} -> ${s.table}: ${s.rows} rows; ${verb} ${s.inserted}, ${s.dryRun ? 'would update' : 'updated'} ${s.updated}, unchanged ${s.unchanged}${removed}.${nothing}${s.dryRun ? ' (dry run: nothing written)' : ''}`;
}

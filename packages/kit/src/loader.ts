import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { DataFileError, type DataProblem, type DataRow, displayPath, issueProblems, verifyCitations } from './data.js';
import {
  closeRelease,
  countOf,
  describeRow,
  type EntityColumn,
  ensureReleaseTables,
  entityIn,
  keysMatch,
  keyText,
  lockReleases,
  openRelease,
  type Provenance,
  param,
  pickColumns,
  qualified,
  ReleaseError,
  type RowChange,
  recordChanges,
  rowChange,
  schemaOf,
  sha256File,
} from './releases.js';
import { checkReferences, defaultReferenceChecks, type ReferenceCheck } from './reference-lists.js';
import type { Citation } from './sources.js';

/** What the loader needs of a zod schema; a plain interface so tables of any row type fit one list. */
export interface RowSchema<Row> {
  safeParse(value: unknown):
    | { success: true; data: Row }
    | {
        success: false;
        error: { issues: readonly { path: readonly PropertyKey[]; message: string; code?: string }[] };
      };
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
  /**
   * The rows this loadable's files speak for, where the table holds others too (programmes'
   * sub_point holds the paper's points beside the tracker's sub-points): a condition on the table's
   * columns. A replace deletes only rows within it; rows outside are another file's.
   */
  readonly scope?: RawBuilder<unknown>;
  /**
   * Key columns a row may leave empty (a region membership's open start): an empty cell is then a
   * key value of its own, matching the row whose column is null, in loads and deletes alike.
   */
  readonly nullableKey?: readonly string[];
  /**
   * Citations each row makes, checked against the verbatim documents before anything loads. A change
   * records one: the first whose `column` or `states` names a column the change alters (an ICS's
   * wave corrected cites the line stating the wave, not the list line that names the ICS), else the
   * first (an insert, or a change to columns no citation states).
   */
  citations?(row: Row): readonly LoadCitation[];
  /**
   * Columns holding another subgraph's keys, checked against the lists their owners publish
   * (reference-lists.ts). By default `stp_code` must be an STP and `region_code` a region geography
   * knows; `[]` checks nothing.
   */
  readonly references?: readonly ReferenceCheck[];
  /**
   * The column naming the STP or region each row belongs to, when it is not `stp_code` or
   * `region_code` (geography's `stp` is keyed by `code`): recorded with every change, so
   * `changes(entity:)` and `... on Stp` find the row's changes.
   */
  readonly entity?: EntityColumn;
  /**
   * The file sets some columns of rows that exist (geography's populations on its STPs): a key the
   * table lacks is refused, never inserted half-filled.
   */
  readonly updateOnly?: boolean;
  /**
   * Rows other tables derive from this one's (finance's STP gaps from their parts, organisations'
   * role flags from the roles): called in the load's transaction once its rows are written, with
   * every change the load made; it writes the derived rows itself and returns their changes, which
   * are recorded in the same release, so a figure and what is derived from it never disagree. A dry
   * run calls it too, in a transaction rolled back at the end, so the preview shows derived changes.
   */
  derive?(trx: Kysely<unknown>, changes: readonly RowChange[], context: DeriveContext): Promise<readonly RowChange[]>;
  /** The tables `derive` writes, named in the release beside `table`. */
  readonly derives?: readonly string[];
  /**
   * The file holds what `derive` writes beyond this table's columns (organisations' role links), so
   * `derive` is called on every upsert or replace, even one that changed no row of this table.
   */
  readonly derivesFromFile?: boolean;
}

/** A citation a row makes: its text column, and the other columns whose values that line states. */
export interface LoadCitation {
  readonly column: string;
  readonly citation: Citation;
  /** Columns whose values the cited line states, besides `column` (the figure, the line number). */
  readonly states?: readonly string[];
}

export interface DeriveContext {
  /** The subgraph's schema, for `qualified` names. */
  readonly schema: string;
  /** The loaded file as releases name it, for the derived changes' provenance. */
  readonly file: string;
  /** The file's records as read (every one valid), with their lines; empty for a delete. */
  readonly records: readonly DataRow<Record<string, unknown>>[];
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
  /** Rows of other tables the load changed through `derive` (included in the release's counts). */
  readonly derived?: number;
}

export interface LoadOptions {
  readonly dryRun?: boolean;
  /** What the file means; 'upsert' unless said. */
  readonly mode?: LoadMode;
  /** The same as mode 'replace': the file is the whole table, rows whose key it lacks are deleted. */
  readonly replace?: boolean;
  /**
   * false: write without recording a release (the benchmark's baseline, bench/releases.ts; nothing
   * else should, since an unrecorded change is one a reseed cannot protect).
   */
  readonly record?: boolean;
  /** Who makes the release (HUB_RELEASE_ACTOR or user@host by default). */
  readonly actor?: string;
  /**
   * A replace confirmed after a dry run: the keys of the rows it showed would disappear (its
   * `replacedKeys`). Refused, naming the difference, if the rows it would now delete are not exactly
   * those (another release changed the table meanwhile), even when there are as many.
   */
  readonly confirmedDeletions?: readonly Readonly<Record<string, unknown>>[];
  /** Checks beyond one row (references to other subgraphs' keys); problems it adds refuse the file. */
  readonly check?: (rows: readonly DataRow<Record<string, unknown>>[], problems: DataProblem[]) => Promise<void>;
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
      problems.push(...issueProblems(parsed.error.issues, value, { file, line }));
      continue;
    }
    if (isRepeatedKey(seen, parsed.data, loadable.key, { file, line }, problems)) continue;
    for (const { column, citation } of loadable.citations?.(parsed.data) ?? []) cited.push({ line, column, citation });
    rows.push({ value: parsed.data, line });
  }
  verifyCitations(path, cited, problems);
  return rows;
}

export type LoadMode = 'upsert' | 'replace' | 'delete';

export interface LoadSummaryWithChanges extends LoadSummary {
  /** The release the load made (null for a dry run, or when nothing changed). */
  readonly release: number | null;
  /** The first rows that change (all of them up to PREVIEW_LIMIT), old → new, for dry runs and confirmations. */
  readonly preview: readonly RowChange[];
  /**
   * A replace: the key of every row of the table it deletes (all of them, however many; derived
   * tables' rows aside), what a confirmation hands back as `confirmedDeletions`.
   */
  readonly replacedKeys?: readonly Readonly<Record<string, unknown>>[];
}

/** How many changed rows a summary lists; the counts are always whole. */
export const PREVIEW_LIMIT = 1_000;

/**
 * Loads a file into one table of a subgraph's schema as one release: validates every row first
 * (nothing loads if any is bad), then in one transaction, holding the schema's release lock (a
 * second load waits), inserts new keys, updates changed rows and leaves identical ones alone, so a
 * second run of the same file changes nothing. Every changed row is recorded with its before and
 * after values and its source (file and line, and the document and line it cites).
 *
 * `mode`: 'upsert' (a load) adds and corrects rows; 'replace' makes the table hold exactly the file
 * (rows whose key it lacks are deleted); 'delete' deletes the rows whose keys the file lists (only
 * the key columns are read; a key the table does not hold is refused). A dry run computes the same
 * changes and writes nothing.
 */
export async function loadFile<Row extends Record<string, unknown>, DB>(
  db: Kysely<DB>,
  loadable: LoadableTable<Row>,
  path: string,
  options: LoadOptions = {},
): Promise<LoadSummaryWithChanges> {
  const mode: LoadMode = options.mode ?? (options.replace ? 'replace' : 'upsert');
  const problems: DataProblem[] = [];
  const records = readRecords(path, problems);
  const rows =
    mode === 'delete'
      ? keyRecords(path, loadable, records, problems)
      : validateRecords(path, loadable, records, problems);
  if (mode !== 'delete') {
    // Loads only: a seed's data/ files are checked by their tests, and a deployed image has no schema/.
    const checks = loadable.references ?? defaultReferenceChecks(loadable.columns ?? Object.keys(rows[0]?.value ?? {}));
    checkReferences(displayPath(path), checks, rows, problems);
  }
  if (!problems.length && options.check && mode !== 'delete') await options.check(rows, problems);
  // In file order, so the report reads top to bottom (sort is stable: a line's problems keep their order).
  if (problems.length) throw new DataFileError(problems.sort((a, b) => a.line - b.line));
  const schema = schemaOf(db);
  if (!schema) throw new Error('loadFile: the database must be scoped to a subgraph schema (forSchema)');
  if (!options.dryRun) await ensureReleaseTables(db);
  const table = qualified(db, loadable.table);
  const file = displayPath(path);
  const sha256 = sha256File(path);
  const key = loadable.key;
  const sourceOf = (value: Row, line: number, changed: readonly string[]): Provenance => {
    const citations = loadable.citations?.(value) ?? [];
    const cited = (
      citations.find((c) => [c.column, ...(c.states ?? [])].some((column) => changed.includes(column))) ?? citations[0]
    )?.citation;
    return { file, line, ...(cited ? { document: cited.document, documentLine: cited.line } : {}) };
  };
  let unchanged = 0;
  let total = { inserted: 0, updated: 0, deleted: 0 };
  const preview: RowChange[] = [];
  // Derived tables are computed from the written rows, so a dry run of a deriving table writes them
  // too, inside a transaction it rolls back.
  const writing = !options.dryRun || loadable.derive !== undefined;
  const loaded: RowChange[] = [];
  let derived = 0;
  let replacedKeys: readonly Readonly<Record<string, unknown>>[] | undefined;
  const note = (changes: readonly RowChange[], own = true) => {
    if (own && loadable.derive) loaded.push(...changes);
    const c = countOf(changes);
    total = {
      inserted: total.inserted + c.inserted,
      updated: total.updated + c.updated,
      deleted: total.deleted + c.deleted,
    };
    for (const change of changes) if (preview.length < PREVIEW_LIMIT) preview.push(change);
  };
  const nullable = new Set(loadable.nullableKey ?? []);
  const keyTuple = (value: Readonly<Record<string, unknown>>) =>
    sql`(${sql.join(key.map((k) => sql`${value[k] ?? null}`))})`;
  /**
   * Rows whose key is one of these rows' keys. A key with an empty column cannot be matched by `in`,
   * where null equals nothing: those are matched column by column (`is null`). Null, not false, for
   * a row with a null key column that matches none: `not` needs `coalesce(..., false)`.
   */
  const keysIn = (values: readonly Readonly<Record<string, unknown>>[]) => {
    const open = values.filter((v) => key.some((k) => v[k] === null || v[k] === undefined));
    const opened = new Set(open);
    const whole = values.filter((v) => !opened.has(v));
    const inList = whole.length
      ? sql`(${sql.join(key.map((k) => sql.id(k)))}) in (${sql.join(whole.map(keyTuple))})`
      : sql`false`;
    return open.length ? sql`(${inList} or ${keysMatch(open.map((v) => pickColumns(v, key)))})` : inList;
  };
  const BATCH = 500;
  const write = async (trx: Kysely<unknown>, release: number | null) => {
    for (let start = 0; start < rows.length; start += BATCH) {
      const batch = rows.slice(start, start + BATCH);
      const columns = sql.join(key.map((k) => sql.id(k)));
      const { rows: existing } = await sql<
        Record<string, unknown>
      >`select * from ${table} where ${keysIn(batch.map(({ value }) => value))}`.execute(trx);
      const current = new Map(existing.map((row) => [keyText(row, key), row]));
      const changes: RowChange[] = [];
      if (mode === 'delete') {
        for (const { value, line } of batch) {
          const before = current.get(keyText(value, key));
          if (!before) {
            problems.push({
              file,
              line,
              column: key.join(','),
              reason: `no row with ${key.map((k) => `${k} ${value[k] === null || value[k] === undefined ? '(empty)' : String(value[k])}`).join(' and ')} in ${loadable.table} to delete`,
            });
            continue;
          }
          changes.push({
            table: loadable.table,
            key: pickColumns(before, key),
            op: 'delete',
            before,
            after: null,
            source: { file, line },
            entity: entityIn(before, loadable.entity),
          });
        }
        if (writing && changes.length)
          await sql`delete from ${table} where ${keysMatch(changes.map((c) => c.key))}`.execute(trx);
      } else {
        const changedRows: Record<string, unknown>[] = [];
        for (const { value, line } of batch) {
          if (loadable.updateOnly && !current.has(keyText(value, key))) {
            problems.push({
              file,
              line,
              column: key.join(','),
              reason: `no row with ${key.map((k) => `${k} ${value[k] === null || value[k] === undefined ? '(empty)' : String(value[k])}`).join(' and ')} in ${loadable.table}: this file only sets columns of rows that exist`,
            });
            continue;
          }
          const found = rowChange(loadable.table, key, current.get(keyText(value, key)), value, null, loadable.entity);
          if (!found) {
            unchanged++;
            continue;
          }
          // Cited by the line stating what changed: an update's changed columns (an insert's are all).
          const changed = found.op === 'update' ? Object.keys(found.after ?? {}) : [];
          const change = { ...found, source: sourceOf(value, line, changed) };
          changes.push(change);
          changedRows.push(value);
        }
        if (writing && changedRows.length) {
          const names = Object.keys(changedRows[0] ?? {});
          const idNames = sql.join(names.map((n) => sql.id(n)));
          const tuple = (row: Record<string, unknown>) => sql`(${sql.join(names.map((n) => param(row[n])))})`;
          const shape = await tableShape(trx, schema, loadable.table, key);
          // An update-only file names some columns: an insert ... on conflict would trip the others' NOT NULL.
          if (shape.keyIsUnique && !loadable.updateOnly) {
            const updates = names.filter((n) => !key.includes(n)).map((n) => sql`${sql.id(n)} = excluded.${sql.id(n)}`);
            await sql`insert into ${table} (${idNames}) values ${sql.join(changedRows.map(tuple))}
              on conflict (${columns}) do ${updates.length ? sql`update set ${sql.join(updates)}` : sql`nothing`}`.execute(
              trx,
            );
          } else {
            // A key that is no constraint (a table numbered by a serial id, known by its natural key):
            // new rows are inserted, changed ones updated from a VALUES list; the release lock keeps others out.
            const fresh = changedRows.filter((row) => !current.has(keyText(row, key)));
            const stale = changedRows.filter((row) => current.has(keyText(row, key)));
            if (fresh.length)
              await sql`insert into ${table} (${idNames}) values ${sql.join(fresh.map(tuple))}`.execute(trx);
            const typed = (n: string) => sql`v.${sql.id(n)}::${sql.raw(shape.types.get(n) ?? 'text')}`;
            const sets = names.filter((n) => !key.includes(n)).map((n) => sql`${sql.id(n)} = ${typed(n)}`);
            if (stale.length && sets.length)
              await sql`update ${table} as t set ${sql.join(sets)}
                from (values ${sql.join(stale.map(tuple))}) as v (${idNames})
                where ${sql.join(
                  key.map((k) =>
                    nullable.has(k)
                      ? sql`t.${sql.id(k)} is not distinct from ${typed(k)}`
                      : sql`t.${sql.id(k)} = ${typed(k)}`,
                  ),
                  sql` and `,
                )}`.execute(trx);
          }
        }
      }
      note(changes);
      if (release !== null && changes.length) await recordChanges(trx, schema, release, changes);
      options.onProgress?.(Math.min(start + BATCH, rows.length), rows.length);
    }
    if (problems.length) throw new DataFileError(problems.sort((a, b) => a.line - b.line));
    if (mode === 'replace') {
      const within = loadable.scope ? sql`(${loadable.scope})` : sql`true`;
      const keep = rows.length
        ? sql`where ${within} and not coalesce(${keysIn(rows.map(({ value }) => value))}, false)`
        : sql`where ${within}`;
      const { rows: gone } = await sql<Record<string, unknown>>`select * from ${table} ${keep}`.execute(trx);
      const changes = gone.map(
        (before): RowChange => ({
          table: loadable.table,
          key: pickColumns(before, key),
          op: 'delete',
          before,
          after: null,
          source: { file, line: 0 },
          entity: entityIn(before, loadable.entity),
        }),
      );
      replacedKeys = changes.map((c) => c.key);
      if (options.confirmedDeletions !== undefined)
        refuseUnconfirmed(loadable, options.confirmedDeletions, replacedKeys);
      if (writing && changes.length) await sql`delete from ${table} ${keep}`.execute(trx);
      note(changes);
      if (release !== null && changes.length) await recordChanges(trx, schema, release, changes);
    }
    if (loadable.derive && (loaded.length || (loadable.derivesFromFile && mode !== 'delete' && rows.length))) {
      const changes = await loadable.derive(trx, loaded, { schema, file, records: mode === 'delete' ? [] : records });
      derived = changes.length;
      note(changes, false);
      if (release !== null && changes.length) await recordChanges(trx, schema, release, changes);
    }
  };
  const untyped = db as unknown as Kysely<unknown>;
  let release: number | null = null;
  if (options.dryRun && loadable.derive) {
    const rolledBack = new Error('dry run');
    await untyped
      .transaction()
      .execute(async (trx) => {
        await lockReleases(trx, schema);
        await write(trx, null);
        throw rolledBack;
      })
      .catch((error: unknown) => {
        if (error !== rolledBack) throw error;
      });
  } else if (options.dryRun) await write(untyped, null);
  else
    release = await untyped.transaction().execute(async (trx) => {
      await lockReleases(trx, schema);
      if (options.record === false) {
        await write(trx, null);
        return null;
      }
      const opened = await openRelease(trx, schema, {
        kind: mode === 'upsert' ? 'load' : mode,
        actor: options.actor,
        files: [{ path: file, sha256 }],
      });
      await write(trx, opened);
      return closeRelease(trx, schema, opened, [loadable.table, ...(loadable.derives ?? [])], total);
    });
  return {
    file,
    table: loadable.table,
    rows: rows.length,
    inserted: total.inserted,
    updated: total.updated,
    unchanged,
    deleted: total.deleted,
    dryRun: options.dryRun ?? false,
    ...(loadable.derive ? { derived } : {}),
    release,
    preview,
    ...(replacedKeys ? { replacedKeys } : {}),
  };
}

/**
 * A replace deletes exactly the rows the person confirmed, or nothing: the same number of other rows
 * (one load added a row and another removed one) is a different deletion, refused naming them.
 */
function refuseUnconfirmed<Row extends Record<string, unknown>>(
  loadable: LoadableTable<Row>,
  confirmed: readonly Readonly<Record<string, unknown>>[],
  now: readonly Readonly<Record<string, unknown>>[],
): void {
  const texts = (keys: readonly Readonly<Record<string, unknown>>[]) =>
    new Map(keys.map((k) => [keyText(k, loadable.key), k]));
  const shown = texts(confirmed);
  const current = texts(now);
  const added = [...current].filter(([text]) => !shown.has(text)).map(([, k]) => k);
  const spared = [...shown].filter(([text]) => !current.has(text)).map(([, k]) => k);
  if (added.length === 0 && spared.length === 0) return;
  const name = (keys: readonly Readonly<Record<string, unknown>>[]) =>
    `${keys
      .slice(0, 5)
      .map((k) => describeRow(loadable.table, k))
      .join('; ')}${keys.length > 5 ? `; ... and ${keys.length - 5} more` : ''}`;
  const differences = [
    ...(added.length ? [`it would now also delete ${added.length} row(s) not shown: ${name(added)}`] : []),
    ...(spared.length ? [`${spared.length} row(s) shown are no longer there to delete: ${name(spared)}`] : []),
  ];
  throw new ReleaseError(
    `The table changed while the replace was being confirmed (another release landed): ${differences.join('; ')}. Nothing was written. Run it again to see what it would delete now.`,
  );
}

/** Whether the key is the table's primary key or a unique constraint, and each column's type. */
async function tableShape(
  trx: Kysely<unknown>,
  schema: string,
  table: string,
  key: readonly string[],
): Promise<{ keyIsUnique: boolean; types: Map<string, string> }> {
  const cacheKey = `${schema}.${table}:${key.join(',')}`;
  const known = shapes.get(trx)?.get(cacheKey);
  if (known) return known;
  const { rows: columns } = await sql<{
    name: string;
    type: string;
  }>`select attname as name, format_type(atttypid, atttypmod) as type
    from pg_attribute where attrelid = to_regclass(${`${schema}.${table}`}) and attnum > 0 and not attisdropped`.execute(
    trx,
  );
  const { rows: unique } = await sql<{
    columns: string;
  }>`select string_agg(a.attname::text, ',' order by a.attname::text) as columns
    from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
    where i.indrelid = to_regclass(${`${schema}.${table}`}) and i.indisunique
    group by i.indexrelid`.execute(trx);
  const wanted = [...key].sort().join(',');
  const shape = {
    keyIsUnique: unique.some((u) => u.columns === wanted),
    types: new Map(columns.map((c) => [c.name, c.type])),
  };
  const forTrx = shapes.get(trx) ?? new Map();
  forTrx.set(cacheKey, shape);
  shapes.set(trx, forTrx);
  return shape;
}
/** Per transaction: asked once per load, not once per batch. */
const shapes = new WeakMap<object, Map<string, { keyIsUnique: boolean; types: Map<string, string> }>>();

/**
 * The rows of a file given to `--delete`: only their keys are read (the other columns may be there,
 * as in a copy of the data file, but need not be right), each key column required. A file without
 * the table's key columns is read as a load file (a copy of a data file whose columns the table
 * names otherwise: an ICS's `stp_ods_code` is its `stp_code`), each row then checked whole.
 */
function keyRecords<Row extends Record<string, unknown>>(
  path: string,
  loadable: LoadableTable<Row>,
  records: readonly DataRow<Record<string, unknown>>[],
  problems: DataProblem[],
): DataRow<Row>[] {
  const file = displayPath(path);
  const rows: DataRow<Row>[] = [];
  const seen = new Map<string, number>();
  const nullable = new Set(loadable.nullableKey ?? []);
  for (const { value: given, line } of records) {
    let value: Readonly<Record<string, unknown>> = given;
    if (!loadable.key.every((k) => k in given)) {
      const parsed = loadable.row.safeParse(given);
      if (!parsed.success) {
        problems.push(...issueProblems(parsed.error.issues, given, { file, line }));
        continue;
      }
      value = parsed.data;
    }
    const missing = loadable.key.filter(
      (k) => !nullable.has(k) && (value[k] === null || value[k] === undefined || value[k] === ''),
    );
    for (const column of missing) problems.push({ file, line, column, reason: `column ${column} is required` });
    if (missing.length) continue;
    if (isRepeatedKey(seen, value, loadable.key, { file, line }, problems)) continue;
    rows.push({ value: pickColumns(value, loadable.key) as Row, line });
  }
  return rows;
}

/**
 * Remembers where a row's key was first seen in a file; a second row with the same key is a problem
 * naming that line (a load or a delete that names one row twice is a mistake, not a last-wins rule).
 */
function isRepeatedKey(
  seen: Map<string, number>,
  row: Readonly<Record<string, unknown>>,
  key: readonly string[],
  at: { readonly file: string; readonly line: number },
  problems: DataProblem[],
): boolean {
  const text = keyText(row, key);
  const first = seen.get(text);
  if (first === undefined) {
    seen.set(text, at.line);
    return false;
  }
  problems.push({ ...at, column: key.join(','), reason: `duplicate key ${text}, first on line ${first}` });
  return true;
}

/** A changed row for people: `workforce_fact id=w.1: value 9 → 10, unit PERCENT → PERCENT` etc. */
export function formatChange(change: RowChange): string {
  const show = (v: unknown) =>
    v === null || v === undefined ? '(empty)' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  const row = describeRow(change.table, change.key);
  if (change.op === 'insert')
    return `+ ${row}: ${Object.entries(change.after ?? {})
      .filter(([c]) => !(c in change.key))
      .map(([c, v]) => `${c} ${show(v)}`)
      .join(', ')}`;
  if (change.op === 'delete')
    return `- ${row}: ${Object.entries(change.before ?? {})
      .filter(([c]) => !(c in change.key))
      .map(([c, v]) => `${c} ${show(v)}`)
      .join(', ')}`;
  return `~ ${row}: ${Object.keys(change.after ?? {})
    .map((c) => `${c} ${show(change.before?.[c])} → ${show(change.after?.[c])}`)
    .join(', ')}`;
}

export function formatLoadSummary(s: LoadSummary): string {
  const verb = s.dryRun ? 'would insert' : 'inserted';
  const nothing =
    s.inserted + s.updated + s.deleted === 0 ? ' Nothing to change: the table already holds this file.' : '';
  const removed = s.deleted ? `, ${s.dryRun ? 'would delete' : 'deleted'} ${s.deleted}` : '';
  return `${s.file} -> ${s.table}: ${s.rows} rows; ${verb} ${s.inserted}, ${s.dryRun ? 'would update' : 'updated'} ${s.updated}, unchanged ${s.unchanged}${removed}.${nothing}${s.dryRun ? ' (dry run: nothing written)' : ''}`;
}

import type { Insertable, Kysely } from 'kysely';
import { sql } from 'kysely';
import {
  closeRelease,
  countOf,
  describeRow,
  type EntityColumn,
  ensureReleaseTables,
  entityIn,
  keyText,
  lockReleases,
  openRelease,
  pickColumns,
  type Provenance,
  type ReleaseKind,
  type RowChange,
  recordChanges,
  rowChange,
  type SeedOutcome,
  sameValue,
  schemaOf,
  seedReleaseContext,
  standingChanges,
} from './releases.js';
import type { SeedReport } from './subgraph-runtime.js';

/** One table of a subgraph and every row it should hold after the seed. */
export type TableRows<DB> = {
  [T in keyof DB & string]: readonly [table: T, rows: readonly Insertable<DB[T]>[]];
}[keyof DB & string];

/**
 * Postgres refuses a statement with more than 65,535 bind parameters; a seed's widest table has
 * about 20 columns, so this keeps every insert well below the limit while staying few statements.
 */
const MAX_PARAMETERS = 30_000;

type Row = Record<string, unknown>;

/**
 * What a subgraph derives from its own rows (finance's STP gaps, `stp_finance`, from their facts),
 * so a reseed derives it again from the rows the tables will hold. The merge rule keeps rows later
 * releases changed, so what the seed derived from data/ alone can disagree with them: a loaded gap
 * part beside a gap derived from data/'s parts.
 */
export interface SeedDerivation<DB> {
  /**
   * Each table `derive` returns: `'*'` for a table wholly derived (never kept as a release left it,
   * always derived again), or its derived columns (finance's `derived_flags`): a change to those
   * alone keeps no row from the reseed, and `derive` may change nothing else of the table's rows.
   */
  readonly derived: { readonly [T in keyof DB & string]?: '*' | readonly string[] };
  /**
   * Every row of each table `derived` names, from every table's rows as the reseed will write them
   * (data/'s, with the rows later releases changed as they left them; a row read back from the
   * table has its generated id, and its jsonb columns as objects). Throws a DataFileError when they
   * do not derive; nothing is then written.
   */
  derive(merged: ReadonlyMap<string, readonly Readonly<Row>[]>): DerivedRows<DB>;
}

/** Every row of each derived table. */
export type DerivedRows<DB> = { readonly [T in keyof DB & string]?: readonly Insertable<DB[T]>[] };

/**
 * Makes a subgraph's tables hold its data/ files, in one transaction, as a release of kind `seed`
 * recording every row it changes (before and after, column by column).
 *
 * The merge rule (docs/adding-a-subgraph.md, "Reseeds and loaded rows"): a reseed changes only rows
 * whose standing change came from a seed, or that no release has touched. A row a load, delete,
 * replace or revert changed since keeps what that release left (a deleted row stays deleted), and
 * the outcome names it; to let data/ win, load the data/ file itself. So a restart after data/
 * changed never silently discards or reverts a loaded row. What the subgraph derives from its rows
 * (`derivation`) is then derived again from the merged rows, so it agrees with the rows kept.
 *
 * When something changed, every table is emptied (last listed first, so rows referring to others
 * go before the rows they refer to), then filled in the order listed, in chunks; nothing is written
 * when nothing changed. If any statement fails the transaction rolls back and the previous rows
 * stay: a reader never sees a half-loaded subgraph. Rows arrive validated (the ETL throws a
 * DataFileError naming file:line first); a table referring to itself needs its rows ordered so that
 * a referenced row comes in an earlier or the same chunk.
 */
export async function replaceTables<DB>(
  db: Kysely<DB>,
  tables: readonly TableRows<DB>[],
  derivation?: SeedDerivation<DB>,
): Promise<SeedReport> {
  // The table names come from the typed tuples above; only the statements below are untyped.
  const untyped = db as unknown as Kysely<Record<string, Record<string, unknown>>>;
  const names = tables.map(([table]) => table);
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated) throw new Error(`replaceTables: table ${repeated} is listed twice`);
  const schema = schemaOf(db);
  if (!schema) throw new Error('replaceTables: the database must be scoped to a subgraph schema (forSchema)');
  await ensureReleaseTables(db);
  const context = seedReleaseContext.getStore();
  const report: SeedReport = {};
  const outcome = await untyped.transaction().execute(async (trx): Promise<SeedOutcome> => {
    const raw = trx as unknown as Kysely<unknown>;
    await lockReleases(raw, schema);
    const derivedOf = (table: string): '*' | readonly string[] | undefined =>
      derivation?.derived[table as keyof DB & string];
    const plans = new Map<string, TablePlan>();
    for (const [table, given] of tables) {
      const seedRows = given as readonly Row[];
      plans.set(
        table,
        await planTable(raw, schema, table, seedRows, {
          loadKey: context?.keys?.[table],
          entityColumn: context?.entities?.[table],
          derived: derivedOf(table),
        }),
      );
    }
    if (derivation) {
      // Derived again from the merged rows, so a kept loaded part and the gap derived from it agree.
      const derived = derivation.derive(new Map([...plans].map(([table, plan]) => [table, plan.rows])));
      for (const table of Object.keys(derivation.derived)) {
        const plan = plans.get(table);
        const rows = derived[table as keyof DB & string] as readonly Row[] | undefined;
        if (!plan || !rows) throw new Error(`replaceTables: derive gave no rows for ${table}, or it is not listed`);
        const columns = derivedOf(table) ?? [];
        if (columns !== '*') onlyDerivedColumns(table, plan, rows, columns);
        plans.set(table, {
          ...plan,
          rows: [...rows],
          changes: changesTo(table, plan.keyColumns, plan.current, rows, context?.entities?.[table]),
        });
      }
    }
    const changes: RowChange[] = [];
    const kept: { table: string; key: Row; release: number; kind: ReleaseKind }[] = [];
    const targets: [string, Row[]][] = [];
    for (const [table, plan] of plans) {
      changes.push(...plan.changes);
      kept.push(...plan.kept);
      targets.push([table, plan.rows]);
      report[table] = plan.rows.length;
    }
    if (changes.length === 0) return { release: null, counts: { inserted: 0, updated: 0, deleted: 0 }, kept };
    for (const table of [...names].reverse()) await trx.deleteFrom(table).execute();
    for (const [table, all] of targets) {
      const columns = Math.max(1, ...all.map((row) => Object.keys(row).length));
      const size = Math.max(1, Math.floor(MAX_PARAMETERS / columns));
      for (let start = 0; start < all.length; start += size) {
        await trx
          .insertInto(table)
          .values(all.slice(start, start + size))
          .execute();
      }
    }
    const release = await openRelease(raw, schema, { kind: 'seed', actor: context?.actor, files: context?.files });
    await recordChanges(raw, schema, release, changes);
    const counts = { ...countOf(changes), kept: kept.length };
    await closeRelease(raw, schema, release, [...new Set(changes.map((c) => c.table))], counts);
    return { release, counts, kept };
  });
  if (context) context.outcome = outcome;
  return report;
}

/** The table's primary key columns, in key order. */
async function primaryKey(trx: Kysely<unknown>, schema: string, table: string): Promise<string[]> {
  const { rows } = await sql<{ column: string }>`select a.attname as column
    from pg_index i
    join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
    where i.indrelid = to_regclass(${`${schema}.${table}`}) and i.indisprimary
    order by array_position(i.indkey::int2[], a.attnum)`.execute(trx);
  return rows.map((r) => r.column);
}

interface TablePlan {
  /** What the table will hold: the seed's rows, with rows later releases changed as they left them. */
  readonly rows: Row[];
  readonly changes: RowChange[];
  readonly kept: { table: string; key: Row; release: number; kind: ReleaseKind }[];
  /** The columns a row is known by in this seed. */
  readonly keyColumns: readonly string[];
  /** What the table holds now, by `keyText` of `keyColumns`. */
  readonly current: ReadonlyMap<string, Row>;
}

/**
 * Compares one table's seed rows with what it holds. A row is known by its primary key when the
 * seed gives it, else by every column the seed gives (a generated id is the database's, not data/'s;
 * derived columns are no part of what a row is).
 */
async function planTable(
  trx: Kysely<unknown>,
  schema: string,
  table: string,
  seedRows: readonly Row[],
  how: {
    readonly loadKey: readonly string[] | undefined;
    readonly entityColumn: EntityColumn | undefined;
    readonly derived: '*' | readonly string[] | undefined;
  },
): Promise<TablePlan> {
  const { loadKey, entityColumn, derived } = how;
  const derivedColumns = new Set(derived === '*' || derived === undefined ? [] : derived);
  const given = (row: Row | undefined) => Object.keys(row ?? {}).filter((c) => !derivedColumns.has(c));
  const pk = await primaryKey(trx, schema, table);
  const first = seedRows[0];
  const has = (columns: readonly string[]) => first !== undefined && columns.every((c) => c in first);
  // The primary key when the seed gives it; else the key loads use (a serial table's natural key); else every column given.
  const chosen =
    first === undefined
      ? (loadKey ?? pk)
      : pk.length && has(pk)
        ? pk
        : loadKey && has(loadKey)
          ? [...loadKey]
          : given(first);
  // A key the seed's rows repeat cannot tell them apart: know them by every column they give instead.
  const distinct = new Set(seedRows.map((row) => keyText(row, chosen))).size === seedRows.length;
  const keyColumns = distinct ? chosen : given(first);
  const { rows: existing } = await sql<Row>`select * from ${sql.table(`${schema}.${table}`)}`.execute(trx);
  // A table wholly derived is derived again, never kept as a release left it.
  const standing =
    derived === '*'
      ? []
      : (await standingChanges(trx, schema, table, [...derivedColumns])).filter((c) => c.kind !== 'seed');
  // Each held change, findable by the columns of its own key (a load's key may differ from the seed's).
  const held = new Map<string, (typeof standing)[number]>();
  const heldColumnSets = new Map<string, string[]>();
  for (const change of standing) {
    const columns = Object.keys(change.key);
    heldColumnSets.set(JSON.stringify(columns), columns);
    held.set(`${JSON.stringify(columns)}\0${keyText(change.key, columns)}`, change);
  }
  const holder = (row: Row) => {
    for (const [name, columns] of heldColumnSets) {
      const change = held.get(`${name}\0${keyText(row, columns)}`);
      if (change) return change;
    }
    return undefined;
  };
  const current = new Map(existing.map((row) => [keyText(row, keyColumns), row]));
  const rows: Row[] = [];
  const changes: RowChange[] = [];
  const kept: TablePlan['kept'] = [];
  const placed = new Set<string>();
  const keep = (change: (typeof standing)[number]) =>
    kept.push({ table, key: change.key, release: change.release, kind: change.kind });
  for (const seedRow of seedRows) {
    const key = keyText(seedRow, keyColumns);
    const before = current.get(key);
    const change = rowChange(table, keyColumns, before, seedRow, seedSource(seedRow), entityColumn);
    // Derived columns alone differing is no reason to keep a row: they are derived again.
    const own = change !== null && (change.op !== 'update' || given(change.after ?? {}).length > 0);
    const holding = own ? holder(before ?? seedRow) : undefined;
    if (holding) {
      // A later release changed this row (or deleted it): it stays as that release left it.
      keep(holding);
      if (before) {
        rows.push(before);
        placed.add(key);
      }
      continue;
    }
    if (change) changes.push(change);
    rows.push(seedRow);
    placed.add(key);
  }
  for (const [key, row] of current) {
    if (placed.has(key)) continue;
    const holding = holder(row);
    if (holding) {
      // A row a load added that data/ does not have: kept.
      keep(holding);
      rows.push(row);
      continue;
    }
    changes.push({
      table,
      key: Object.fromEntries(keyColumns.map((c) => [c, row[c] ?? null])),
      op: 'delete',
      before: row,
      after: null,
      entity: entityIn(row, entityColumn),
    });
  }
  return { rows, changes, kept, keyColumns, current };
}

/** The changes that make a table holding `current` hold `rows` (a derived table's, derived again). */
function changesTo(
  table: string,
  keyColumns: readonly string[],
  current: ReadonlyMap<string, Row>,
  rows: readonly Row[],
  entityColumn: EntityColumn | undefined,
): RowChange[] {
  const changes: RowChange[] = [];
  const placed = new Set<string>();
  for (const row of rows) {
    const key = keyText(row, keyColumns);
    placed.add(key);
    const change = rowChange(table, keyColumns, current.get(key), row, seedSource(row), entityColumn);
    if (change) changes.push(change);
  }
  for (const [key, row] of current) {
    if (placed.has(key)) continue;
    changes.push({
      table,
      key: Object.fromEntries(keyColumns.map((c) => [c, row[c] ?? null])),
      op: 'delete',
      before: row,
      after: null,
      entity: entityIn(row, entityColumn),
    });
  }
  return changes;
}

/**
 * A derivation may set a table's derived columns and nothing else: the merge decided its rows and
 * their figures (a kept loaded row stays as the load left it), and a derive that changed them would
 * undo that. A subgraph's mistake, not the data's.
 */
function onlyDerivedColumns(table: string, plan: TablePlan, rows: readonly Row[], derived: readonly string[]): void {
  const merged = new Map(plan.rows.map((row) => [keyText(row, plan.keyColumns), row]));
  const wrong = (reason: string) =>
    new Error(`replaceTables: derive ${reason} (${table} derives only ${derived.join(', ')})`);
  if (rows.length !== merged.size) throw wrong(`gave ${rows.length} ${table} rows for ${merged.size}`);
  for (const row of rows) {
    const before = merged.get(keyText(row, plan.keyColumns));
    if (!before)
      throw wrong(`gave a row the merge does not hold: ${describeRow(table, pickColumns(row, plan.keyColumns))}`);
    for (const column of new Set([...Object.keys(before), ...Object.keys(row)])) {
      if (derived.includes(column) || sameValue(before[column], row[column])) continue;
      throw wrong(`changed ${column} of ${describeRow(table, pickColumns(row, plan.keyColumns))}`);
    }
  }
}

/**
 * Where a seeded row came from: the subgraph's data folder (a seed reads all of it; the release
 * names each file with its sha256, so line 0: no one line of one file), and the document and line
 * the row cites in its citation columns (citationColumns()), when it has them.
 */
function seedSource(row: Readonly<Record<string, unknown>>): Provenance {
  const document = row.source_document;
  const line = Number(row.source_line);
  const file = seedReleaseContext.getStore()?.files[0]?.path ?? '';
  const folder = file.includes('/data/') ? file.slice(0, file.indexOf('/data/') + '/data/'.length) : 'data/';
  return {
    file: folder,
    line: 0,
    ...(typeof document === 'string' && Number.isInteger(line) && line > 0 ? { document, documentLine: line } : {}),
  };
}

import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { type Kysely, type Migration, type MigrationProvider, Migrator, type RawBuilder, sql } from 'kysely';
import { displayPath } from './data.js';
import { readEnvVars } from './platform/env.js';

/**
 * Releases: every change to a subgraph's data (a seed from data/, a load, a delete, a replace, a
 * revert) is one release, recorded in the subgraph's own schema with each row it changed, before and
 * after, column by column. The tables are the kit's, the same in every schema, under a migration
 * history of their own (`hub_kit_migration`) so a subgraph's migrations never need to know of them.
 */

export type ReleaseKind = 'seed' | 'load' | 'delete' | 'replace' | 'revert';
export type ChangeOp = 'insert' | 'update' | 'delete';

/** Where a loaded figure came from: the file and row, and the document and line the row cites, if any. */
export interface Provenance {
  readonly file: string;
  readonly line: number;
  readonly document?: string | undefined;
  readonly documentLine?: number | undefined;
}

/** One row a release changed. `before`/`after` hold the whole row for an insert/delete, the changed columns for an update. */
export interface RowChange {
  readonly table: string;
  /** The row's identity: its key columns and their values. */
  readonly key: Readonly<Record<string, unknown>>;
  readonly op: ChangeOp;
  readonly before: Readonly<Record<string, unknown>> | null;
  readonly after: Readonly<Record<string, unknown>> | null;
  readonly source?: Provenance | null | undefined;
  /** The STP or region the row belongs to, read from its whole row when it was recorded. */
  readonly entity?: Entity | null | undefined;
}

export interface Entity {
  readonly type: 'Stp' | 'Region';
  readonly code: string;
}

/**
 * The column holding the code of the STP or region a table's rows belong to, for a table that names
 * it otherwise than `stp_code` or `region_code` (geography's `stp`, keyed by `code`).
 */
export interface EntityColumn {
  readonly type: Entity['type'];
  readonly column: string;
}

export interface ReleaseFile {
  readonly path: string;
  readonly sha256: string;
}

export interface ReleaseCounts {
  readonly inserted: number;
  readonly updated: number;
  readonly deleted: number;
  /** Rows a reseed left as a later release had them (see `replaceTables`). */
  readonly kept?: number;
}

export interface Release {
  readonly id: number;
  readonly at: string;
  readonly actor: string;
  readonly kind: ReleaseKind;
  readonly tables: readonly string[];
  readonly files: readonly ReleaseFile[];
  readonly counts: ReleaseCounts;
  readonly reverts: number | null;
  readonly revertedBy: number | null;
}

/** A release refused for a reason the person running it can act on (exit code 1, never a stack trace). */
export class ReleaseError extends Error {
  override readonly name = 'ReleaseError';
}

const KIT_MIGRATION_TABLE = 'hub_kit_migration';
// Each release's own migrations, frozen: written against Kysely<any> like a subgraph's.
const KIT_MIGRATIONS: Record<string, Migration> = {
  '2026_12_07_001_releases': {
    // biome-ignore lint/suspicious/noExplicitAny: a migration is frozen in time, whatever the types become
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('hub_release')
        // Numbered by the writer holding the release lock (max + 1): consecutive, even after a load that failed.
        .addColumn('id', 'bigint', (c) => c.primaryKey())
        .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`clock_timestamp()`))
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('tables', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
        .addColumn('files', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
        .addColumn('counts', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .addColumn('reverts', 'bigint', (c) => c.references('hub_release.id'))
        .addColumn('reverted_by', 'bigint', (c) => c.references('hub_release.id'))
        .addCheckConstraint('hub_release_kind', sql`kind in ('seed', 'load', 'delete', 'replace', 'revert')`)
        .execute();
      await db.schema
        .createTable('hub_change')
        .addColumn('id', 'bigint', (c) => c.generatedAlwaysAsIdentity().primaryKey())
        .addColumn('release_id', 'bigint', (c) => c.notNull().references('hub_release.id'))
        .addColumn('table_name', 'text', (c) => c.notNull())
        .addColumn('row_key', 'jsonb', (c) => c.notNull())
        .addColumn('op', 'text', (c) => c.notNull())
        .addColumn('before', 'jsonb')
        .addColumn('after', 'jsonb')
        .addColumn('source', 'jsonb')
        // The STP or region the row belongs to ({"type":"Stp","code":"QJM"}), even when the change is to another column.
        .addColumn('entity', 'jsonb')
        .addCheckConstraint('hub_change_op', sql`op in ('insert', 'update', 'delete')`)
        .execute();
      // A release's rows in order (revert, listing) and a row's history (conflicts, reseeds, history).
      await db.schema.createIndex('hub_change_release').on('hub_change').columns(['release_id', 'id']).execute();
      await db.schema
        .createIndex('hub_change_row')
        .on('hub_change')
        .columns(['table_name', 'row_key', 'release_id'])
        .execute();
    },
  },
};
const LATEST_KIT_MIGRATION = Object.keys(KIT_MIGRATIONS).sort().at(-1) ?? '';

class KitMigrations implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return KIT_MIGRATIONS;
  }
}

/**
 * The schema a subgraph's scoped Kysely writes to. withSchema() qualifies builder queries but not
 * raw SQL, and the release statements are raw SQL (their columns are only known at run time).
 */
export function schemaOf<DB>(db: Kysely<DB>): string | null {
  const compiled = (db as unknown as Kysely<Record<string, Record<string, never>>>)
    .selectFrom('hub_release')
    .selectAll()
    .compile().sql;
  return /from "([^"]+)"\."/.exec(compiled)?.[1] ?? null;
}

/** A table of the scoped schema, for raw SQL. */
export function qualified<DB>(db: Kysely<DB>, table: string): RawBuilder<unknown> {
  const schema = schemaOf(db);
  return sql`${sql.table(schema ? `${schema}.${table}` : table)}`;
}

function requireSchema<DB>(db: Kysely<DB>): string {
  const schema = schemaOf(db);
  if (!schema) throw new Error('releases: the database must be scoped to a subgraph schema (forSchema)');
  return schema;
}

/**
 * Creates (or brings up to date) the release tables in a subgraph's schema. One statement when they
 * are current; `prepareSubgraph` calls it under the schema's start-up lock, loads and seeds call it too.
 */
export async function ensureReleaseTables<DB>(db: Kysely<DB>): Promise<void> {
  const schema = requireSchema(db);
  const untyped = db as unknown as Kysely<unknown>;
  const { rows } = await sql<{
    current: boolean;
  }>`select case when to_regclass(${`${schema}.${KIT_MIGRATION_TABLE}`}) is null
      then false else true end as current`.execute(untyped);
  if (rows[0]?.current) {
    const { rows: done } = await sql<{ name: string }>`select name from ${sql.table(`${schema}.${KIT_MIGRATION_TABLE}`)}
      where name = ${LATEST_KIT_MIGRATION}`.execute(untyped);
    if (done.length > 0) return;
  }
  // No `create schema if not exists`: a subgraph's role may not create schemas (CREATE on the database),
  // even one that exists; the Migrator checks for the schema before creating it.
  const migrator = new Migrator({
    db: untyped,
    provider: new KitMigrations(),
    migrationTableSchema: schema,
    migrationTableName: KIT_MIGRATION_TABLE,
    migrationLockTableName: `${KIT_MIGRATION_TABLE}_lock`,
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw new Error(`Could not create the release tables in schema '${schema}': ${(error as Error).message}`);
}

/** Schemas known to have release tables, per database handle: once created they are never dropped while serving. */
const withReleaseTables = new WeakMap<object, Set<string>>();

/**
 * Whether the schema has release tables yet (readers never create them). Asked once per handle and
 * schema once the answer is yes, so a `history` or `changes` read is one statement, not two.
 */
async function hasReleaseTables<DB>(db: Kysely<DB>): Promise<boolean> {
  const schema = requireSchema(db);
  if (withReleaseTables.get(db)?.has(schema)) return true;
  const { rows } = await sql<{
    found: boolean;
  }>`select to_regclass(${`${schema}.hub_release`}) is not null as found`.execute(db as unknown as Kysely<unknown>);
  const found = rows[0]?.found === true;
  if (found) withReleaseTables.set(db, (withReleaseTables.get(db) ?? new Set()).add(schema));
  return found;
}

/** Who is making a release: HUB_RELEASE_ACTOR, else the user and machine running the command. */
export function releaseActor(): string {
  const named = readEnvVars(['HUB_RELEASE_ACTOR']).HUB_RELEASE_ACTOR;
  if (named) return named;
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // A container user without a passwd entry.
  }
  return `${user}@${hostname()}`;
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Every file under a folder with its sha256, as a seed's release records data/. */
export function filesWithDigests(dir: string): ReleaseFile[] {
  const walk = (folder: string): string[] => {
    let names: string[];
    try {
      names = readdirSync(folder).sort();
    } catch {
      return [];
    }
    return names.flatMap((name) => {
      const path = `${folder.endsWith('/') ? folder : `${folder}/`}${name}`;
      return statSync(path).isDirectory() ? walk(path) : [path];
    });
  };
  return walk(dir).map((path) => ({ path: displayPath(path), sha256: sha256File(path) }));
}

/**
 * Serialises every writer of one schema's data (loads, seeds, reverts), across processes on
 * PostgreSQL: the first statement of each writing transaction, released when it commits or rolls
 * back. A second load waits for the first rather than interleaving with it.
 */
export async function lockReleases(trx: Kysely<unknown>, schema: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`nhs-hub:releases:${schema}`}, 0))`.execute(trx);
}

const DECIMAL = /^-?\d+(\.\d+)?$/;
/** "9.0" and "9" are the same number: numeric columns read back without the file's trailing zeros. */
export const canonical = (value: unknown): string => {
  const text = String(value);
  return DECIMAL.test(text) && text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
};

/** Whether a stored value and a new one are the same figure (numbers as text, JSON by content). */
export const sameValue = (a: unknown, b: unknown): boolean => {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  // A jsonb column reads back as an object with its keys reordered; a file may give it as JSON text.
  if (typeof a === 'object' || typeof b === 'object') return stableJson(a) === stableJson(b);
  return canonical(a) === canonical(b);
};

/** JSON with every object's keys sorted; JSON text is read first, so '[1]' and [1] are the same. */
export function stableJson(value: unknown): string {
  let v = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return JSON.stringify(v);
    }
  }
  const sort = (x: unknown): unknown =>
    Array.isArray(x)
      ? x.map(sort)
      : x !== null && typeof x === 'object'
        ? Object.fromEntries(
            Object.keys(x)
              .sort()
              .map((k) => [k, sort((x as Record<string, unknown>)[k])]),
          )
        : x;
  return JSON.stringify(sort(v));
}

/** A row's identity as text, equal for "5" and 5 so a file's keys meet the table's. */
export function keyText(row: Readonly<Record<string, unknown>>, columns: readonly string[]): string {
  return JSON.stringify(columns.map((c) => (row[c] === null || row[c] === undefined ? null : canonical(row[c]))));
}

export function pickColumns(
  row: Readonly<Record<string, unknown>>,
  columns: readonly string[],
): Record<string, unknown> {
  return Object.fromEntries(columns.map((c) => [c, row[c] ?? null]));
}

/**
 * The change from `before` (a stored row, or none) to `after` (the columns a file or seed gives), or
 * null when every given column already holds the value. Columns `after` does not name are left alone.
 */
export function rowChange(
  table: string,
  keyColumns: readonly string[],
  before: Readonly<Record<string, unknown>> | undefined,
  after: Readonly<Record<string, unknown>>,
  source?: Provenance | null,
  entityColumn?: EntityColumn | null,
): RowChange | null {
  if (!before)
    return {
      table,
      key: pickColumns(after, keyColumns),
      op: 'insert',
      before: null,
      after,
      source,
      entity: entityIn(after, entityColumn),
    };
  const columns = Object.keys(after).filter((c) => !sameValue(before[c], after[c]));
  if (columns.length === 0) return null;
  return {
    table,
    key: pickColumns(before, keyColumns),
    op: 'update',
    before: pickColumns(before, columns),
    after: pickColumns(after, columns),
    source,
    entity: entityIn({ ...before, ...after }, entityColumn),
  };
}

/**
 * The STP or region a whole row belongs to: by the table's entity column when it names one, else by
 * its stp_code or region_code column.
 */
export function entityIn(
  row: Readonly<Record<string, unknown>> | null | undefined,
  column?: EntityColumn | null,
): Entity | null {
  if (!row) return null;
  if (column) {
    const code = row[column.column];
    return typeof code === 'string' ? { type: column.type, code } : null;
  }
  if (typeof row.stp_code === 'string') return { type: 'Stp', code: row.stp_code };
  if (typeof row.region_code === 'string') return { type: 'Region', code: row.region_code };
  return null;
}

/** A value as a statement parameter: objects (jsonb columns) as their JSON text. */
export const param = (value: unknown) =>
  value !== null && typeof value === 'object' ? sql`${JSON.stringify(value)}` : sql`${value ?? null}`;

/** Rows matching any of the keys (each a column → value object); null values match null. */
export function keysMatch(keys: readonly Readonly<Record<string, unknown>>[]): RawBuilder<unknown> {
  if (keys.length === 0) return sql`false`;
  return sql.join(
    keys.map(
      (key) =>
        sql`(${sql.join(
          Object.entries(key).map(([c, v]) =>
            v === null || v === undefined ? sql`${sql.ref(c)} is null` : sql`${sql.ref(c)} = ${param(v)}`,
          ),
          sql` and `,
        )})`,
    ),
    sql` or `,
  );
}

/**
 * Opens a release inside the writer's transaction (which holds `lockReleases`, so its number, the
 * latest plus one, is nobody else's); its counts are filled in by `closeRelease`.
 */
export async function openRelease(
  trx: Kysely<unknown>,
  schema: string,
  release: { kind: ReleaseKind; actor?: string | undefined; files?: readonly ReleaseFile[]; reverts?: number },
): Promise<number> {
  const table = sql.table(`${schema}.hub_release`);
  const { rows } = await sql<{ id: number | string }>`insert into ${table} (id, actor, kind, files, reverts)
      select coalesce(max(id), 0) + 1, ${release.actor ?? releaseActor()}, ${release.kind}, ${JSON.stringify(release.files ?? [])}, ${release.reverts ?? null}
      from ${table}
      returning id`.execute(trx);
  const id = rows[0]?.id;
  if (id === undefined) throw new Error('releases: the release row was not created');
  return Number(id);
}

const json8 = (value: unknown) => (value ? JSON.stringify(value) : null);

/** Each insert of change records stays far below Postgres's 65,535 parameters (8 per record). */
const CHANGE_BATCH = 4_000;

export async function recordChanges(
  trx: Kysely<unknown>,
  schema: string,
  release: number,
  changes: readonly RowChange[],
): Promise<void> {
  const table = sql.table(`${schema}.hub_change`);
  for (let start = 0; start < changes.length; start += CHANGE_BATCH) {
    const values = changes
      .slice(start, start + CHANGE_BATCH)
      .map(
        (c) =>
          sql`(${release}, ${c.table}, ${JSON.stringify(c.key)}, ${c.op}, ${c.before ? JSON.stringify(c.before) : null}, ${c.after ? JSON.stringify(c.after) : null}, ${c.source ? JSON.stringify(c.source) : null}, ${json8(c.entity ?? entityIn(c.op === 'delete' ? c.before : c.after))})`,
      );
    await sql`insert into ${table} (release_id, table_name, row_key, op, before, after, source, entity) values ${sql.join(values)}`.execute(
      trx,
    );
  }
}

/**
 * Writes a release's counts and tables, or removes the release when it changed nothing: a release is
 * a change to the data, so the data version moves only when rows did.
 */
export async function closeRelease(
  trx: Kysely<unknown>,
  schema: string,
  release: number,
  tables: readonly string[],
  counts: ReleaseCounts,
): Promise<number | null> {
  const table = sql.table(`${schema}.hub_release`);
  if (counts.inserted + counts.updated + counts.deleted === 0) {
    await sql`delete from ${table} where id = ${release}`.execute(trx);
    return null;
  }
  await sql`update ${table} set counts = ${JSON.stringify(counts)}, tables = ${JSON.stringify(tables)} where id = ${release}`.execute(
    trx,
  );
  return release;
}

interface ReleaseRow {
  id: number | string;
  at: Date | string;
  actor: string;
  kind: ReleaseKind;
  tables: string[] | string;
  files: ReleaseFile[] | string;
  counts: ReleaseCounts | string;
  reverts: number | string | null;
  reverted_by: number | string | null;
}

const json = <T>(value: T | string): T => (typeof value === 'string' ? (JSON.parse(value) as T) : value);
const toRelease = (row: ReleaseRow): Release => ({
  id: Number(row.id),
  at: new Date(row.at).toISOString(),
  actor: row.actor,
  kind: row.kind,
  tables: json(row.tables),
  files: json(row.files),
  counts: json(row.counts),
  reverts: row.reverts === null ? null : Number(row.reverts),
  revertedBy: row.reverted_by === null ? null : Number(row.reverted_by),
});

/** Releases of the scoped schema, newest first (all of them, or the latest `limit`). */
export async function listReleases<DB>(db: Kysely<DB>, options: { limit?: number } = {}): Promise<Release[]> {
  const schema = requireSchema(db);
  if (!(await hasReleaseTables(db))) return [];
  const { rows } = await sql<ReleaseRow>`select * from ${sql.table(`${schema}.hub_release`)} order by id desc
    ${options.limit ? sql`limit ${options.limit}` : sql``}`.execute(db as unknown as Kysely<unknown>);
  return rows.map(toRelease);
}

/** One release by its number (null when the schema has no such release). */
export async function readRelease<DB>(db: Kysely<DB>, id: number): Promise<Release | null> {
  const schema = requireSchema(db);
  if (!(await hasReleaseTables(db))) return null;
  const { rows } = await sql<ReleaseRow>`select * from ${sql.table(`${schema}.hub_release`)} where id = ${id}`.execute(
    db as unknown as Kysely<unknown>,
  );
  return rows[0] ? toRelease(rows[0]) : null;
}

interface ChangeRow {
  id: number | string;
  release_id: number | string;
  table_name: string;
  row_key: Record<string, unknown> | string;
  op: ChangeOp;
  before: Record<string, unknown> | string | null;
  after: Record<string, unknown> | string | null;
  source: Provenance | string | null;
  entity: Entity | string | null;
}
const toChange = (row: ChangeRow): RowChange & { id: number; release: number } => ({
  id: Number(row.id),
  release: Number(row.release_id),
  table: row.table_name,
  key: json(row.row_key),
  op: row.op,
  before: row.before === null ? null : json(row.before),
  after: row.after === null ? null : json(row.after),
  source: row.source === null ? null : json(row.source),
  entity: row.entity === null ? null : json(row.entity),
});

/** The rows one release changed, in the order it changed them. */
export async function releaseChanges<DB>(
  db: Kysely<DB>,
  release: number,
): Promise<(RowChange & { id: number; release: number })[]> {
  const schema = requireSchema(db);
  if (!(await hasReleaseTables(db))) return [];
  const { rows } = await sql<ChangeRow>`select * from ${sql.table(`${schema}.hub_change`)} where release_id = ${release}
    order by id`.execute(db as unknown as Kysely<unknown>);
  return rows.map(toChange);
}

/**
 * The data version of a subgraph's schema: its latest release (null before the first). It changes
 * exactly when a release lands, so a cache keyed by it never serves rows from before a load.
 */
export async function dataVersion<DB>(db: Kysely<DB>): Promise<{ release: number | null; at: string | null }> {
  const schema = requireSchema(db);
  if (!(await hasReleaseTables(db))) return { release: null, at: null };
  const { rows } = await sql<{
    id: number | string;
    at: Date | string;
  }>`select id, at from ${sql.table(`${schema}.hub_release`)}
    order by id desc limit 1`.execute(db as unknown as Kysely<unknown>);
  const latest = rows[0];
  return latest ? { release: Number(latest.id), at: new Date(latest.at).toISOString() } : { release: null, at: null };
}

/** A row's name in messages: `workforce_fact id=workforce.QJM.1`. */
export function describeRow(table: string, key: Readonly<Record<string, unknown>>): string {
  return `${table} ${Object.entries(key)
    .map(
      ([c, v]) =>
        `${c}=${v === null || v === undefined ? 'null' : typeof v === 'object' ? JSON.stringify(v) : String(v)}`,
    )
    .join(', ')}`;
}

/**
 * The latest change to each row of a table that still stands: a reverted release's changes do not,
 * nor does a revert of anything but a seed (it put back what was there before, whose own change
 * stands). What a reseed may and may not overwrite is decided from these. An update of
 * `derivedColumns` alone (finance's derived_flags, rewritten for every fact a load's derivation
 * touched) is not one: it set no figure of the row's own.
 */
export async function standingChanges(
  trx: Kysely<unknown>,
  schema: string,
  table: string,
  derivedColumns: readonly string[] = [],
): Promise<(RowChange & { release: number; kind: ReleaseKind; at: string; actor: string })[]> {
  const changes = sql.table(`${schema}.hub_change`);
  const releases = sql.table(`${schema}.hub_release`);
  const ownColumns = derivedColumns.length
    ? sql`and (c.op <> 'update' or exists (select 1 from jsonb_object_keys(c.after) as k (name)
        where k.name not in (${sql.join(derivedColumns)})))`
    : sql``;
  const { rows } = await sql<ChangeRow & { kind: ReleaseKind; at: Date | string; actor: string }>`
    select distinct on (c.row_key) c.*, r.kind, r.at, r.actor
    from ${changes} c
    join ${releases} r on r.id = c.release_id
    left join ${releases} undone on undone.id = r.reverts
    where c.table_name = ${table} and r.reverted_by is null
      and (r.kind <> 'revert' or undone.kind = 'seed')
      ${ownColumns}
    order by c.row_key, c.id desc`.execute(trx);
  return rows.map((row) => ({
    ...toChange(row),
    kind: row.kind,
    at: new Date(row.at).toISOString(),
    actor: row.actor,
  }));
}

/** One row a revert cannot undo, and the release that changed it since. */
export interface RevertConflict {
  readonly table: string;
  readonly key: Readonly<Record<string, unknown>>;
  readonly release: number | null;
  readonly reason: string;
}

export interface RevertOutcome {
  readonly reverted: number;
  readonly release: number | null;
  readonly counts: ReleaseCounts;
}

/**
 * Undoes one release in one transaction: every row it inserted is deleted, every row it deleted is
 * put back, every column it updated gets its old value. Refused, naming the rows, when a later
 * release (not itself reverted) changed any of the same rows, or a row no longer holds what the
 * release left; the revert is a release of its own, which can be reverted in turn.
 */
export async function revertRelease<DB>(
  db: Kysely<DB>,
  release: number,
  options: { actor?: string } = {},
): Promise<RevertOutcome> {
  const schema = requireSchema(db);
  await ensureReleaseTables(db);
  return (db as unknown as Kysely<unknown>).transaction().execute(async (trx) => {
    await lockReleases(trx, schema);
    const releases = sql.table(`${schema}.hub_release`);
    const { rows: found } = await sql<ReleaseRow>`select * from ${releases} where id = ${release}`.execute(trx);
    const target = found[0] ? toRelease(found[0]) : null;
    if (!target) throw new ReleaseError(`There is no release ${release} in schema ${schema}`);
    if (target.revertedBy !== null)
      throw new ReleaseError(`Release ${release} was already reverted by release ${target.revertedBy}`);
    const { rows: changeRows } = await sql<ChangeRow>`select * from ${sql.table(`${schema}.hub_change`)}
      where release_id = ${release} order by id`.execute(trx);
    const changes = changeRows.map(toChange);
    const conflicts = await revertConflicts(trx, schema, release, changes);
    if (conflicts.length > 0) {
      const shown = conflicts.slice(0, 20).map((c) => `  ${describeRow(c.table, c.key)}: ${c.reason}`);
      const more = conflicts.length > shown.length ? [`  ... and ${conflicts.length - shown.length} more`] : [];
      throw new ReleaseError(
        `Cannot revert release ${release}: ${conflicts.length} row(s) it changed were changed since; nothing was reverted:\n${[...shown, ...more].join('\n')}\nRevert the later release(s) first.`,
      );
    }
    const undo: RowChange[] = [...changes].reverse().map((c) => ({
      table: c.table,
      key: c.key,
      op: c.op === 'insert' ? 'delete' : c.op === 'delete' ? 'insert' : 'update',
      before: c.after,
      after: c.before,
      source: null,
      entity: c.entity ?? null,
    }));
    await applyChanges(trx, schema, undo);
    const id = await openRelease(trx, schema, { kind: 'revert', actor: options.actor, reverts: release });
    await recordChanges(trx, schema, id, undo);
    const counts = countOf(undo);
    await closeRelease(trx, schema, id, [...new Set(undo.map((c) => c.table))], counts);
    await sql`update ${releases} set reverted_by = ${id} where id = ${release}`.execute(trx);
    return { reverted: release, release: id, counts };
  });
}

export function countOf(changes: readonly RowChange[]): ReleaseCounts {
  let inserted = 0;
  let updated = 0;
  let deleted = 0;
  for (const c of changes) {
    if (c.op === 'insert') inserted++;
    else if (c.op === 'update') updated++;
    else deleted++;
  }
  return { inserted, updated, deleted };
}

async function revertConflicts(
  trx: Kysely<unknown>,
  schema: string,
  release: number,
  changes: readonly (RowChange & { id: number })[],
): Promise<RevertConflict[]> {
  const conflicts: RevertConflict[] = [];
  // Later changes to the same rows by releases that still stand (not reverted; reverts are checked by value below).
  const { rows: later } = await sql<{
    table_name: string;
    row_key: unknown;
    release_id: number | string;
    kind: string;
    actor: string;
  }>`
    select distinct c.table_name, c.row_key, c.release_id, r.kind, r.actor
    from ${sql.table(`${schema}.hub_change`)} c
    join ${sql.table(`${schema}.hub_release`)} r on r.id = c.release_id
    where c.release_id > ${release} and r.reverted_by is null and r.kind <> 'revert'
      and (c.table_name, c.row_key) in (select table_name, row_key from ${sql.table(`${schema}.hub_change`)} where release_id = ${release})
    order by c.release_id`.execute(trx);
  const named = new Set<string>();
  for (const row of later) {
    const key = json(row.row_key as Record<string, unknown> | string);
    named.add(`${row.table_name}\0${JSON.stringify(key)}`);
    conflicts.push({
      table: row.table_name,
      key,
      release: Number(row.release_id),
      reason: `changed by release ${row.release_id} (${row.kind} by ${row.actor})`,
    });
  }
  // And every row must still hold what this release left (a revert of an older release may have moved it).
  const byTable = new Map<string, (RowChange & { id: number })[]>();
  for (const c of changes) byTable.set(c.table, [...(byTable.get(c.table) ?? []), c]);
  for (const [table, list] of byTable) {
    const current = await currentRows(
      trx,
      schema,
      table,
      list.map((c) => c.key),
    );
    for (const c of list) {
      if (named.has(`${c.table}\0${JSON.stringify(c.key)}`)) continue;
      const row = current.get(keyText(c.key, Object.keys(c.key)));
      const holds =
        c.op === 'delete'
          ? row === undefined
          : row !== undefined && Object.entries(c.after ?? {}).every(([col, v]) => sameValue(row[col], v));
      if (!holds)
        conflicts.push({ table, key: c.key, release: null, reason: 'no longer holds what this release left' });
    }
  }
  return conflicts;
}

/** The current rows with the given keys, by `keyText` of their key columns. */
async function currentRows(
  trx: Kysely<unknown>,
  schema: string,
  table: string,
  keys: readonly Readonly<Record<string, unknown>>[],
): Promise<Map<string, Record<string, unknown>>> {
  const found = new Map<string, Record<string, unknown>>();
  const BATCH = 500;
  for (let start = 0; start < keys.length; start += BATCH) {
    const batch = keys.slice(start, start + BATCH);
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(`${schema}.${table}`)}
      where ${keysMatch(batch)}`.execute(trx);
    for (const key of batch) {
      const columns = Object.keys(key);
      const match = rows.find((row) => keyText(row, columns) === keyText(key, columns));
      if (match) found.set(keyText(key, columns), match);
    }
  }
  return found;
}

/**
 * Applies changes in order, batching runs of inserts and deletes to one table into one statement
 * each (a revert of a 50,000-row load is a hundred statements, not 50,000).
 */
async function applyChanges(trx: Kysely<unknown>, schema: string, changes: readonly RowChange[]): Promise<void> {
  const BATCH = 500;
  let i = 0;
  while (i < changes.length) {
    const first = changes[i];
    if (!first) break;
    let end = i + 1;
    while (
      end < changes.length &&
      end - i < BATCH &&
      first.op !== 'update' &&
      changes[end]?.op === first.op &&
      changes[end]?.table === first.table
    )
      end++;
    const run = changes.slice(i, end);
    const table = sql.table(`${schema}.${first.table}`);
    if (first.op === 'delete') {
      await sql`delete from ${table} where ${keysMatch(run.map((c) => c.key))}`.execute(trx);
    } else if (first.op === 'insert') {
      const columns = [...new Set(run.flatMap((c) => Object.keys(c.after ?? {})))];
      const values = run.map((c) => sql`(${sql.join(columns.map((col) => param(c.after?.[col])))})`);
      await sql`insert into ${table} (${sql.join(columns.map((c) => sql.id(c)))}) values ${sql.join(values)}`.execute(
        trx,
      );
    } else {
      const sets = Object.entries(first.after ?? {}).map(([col, v]) => sql`${sql.id(col)} = ${param(v)}`);
      if (sets.length) await sql`update ${table} set ${sql.join(sets)} where ${keysMatch([first.key])}`.execute(trx);
    }
    i = end;
  }
}

/** What a seed run inside `prepareSubgraph` records with its release, and what it reports back. */
export interface SeedReleaseContext {
  readonly actor?: string | undefined;
  readonly files: readonly ReleaseFile[];
  /**
   * How loads know each table's rows (the loadables' keys): a seed knows rows by the same key, so a
   * row's history runs unbroken across seeds and loads even where the primary key is a serial id.
   */
  readonly keys?: Readonly<Record<string, readonly string[]>>;
  /** The loadables' entity columns, so a seed's change records name the same STP or region a load's do. */
  readonly entities?: Readonly<Record<string, EntityColumn>>;
  outcome?: SeedOutcome;
}

/** What one reseed changed: its release (null when nothing changed) and the rows it left as later releases had them. */
export interface SeedOutcome {
  readonly release: number | null;
  readonly counts: ReleaseCounts;
  readonly kept: readonly {
    table: string;
    key: Readonly<Record<string, unknown>>;
    release: number;
    kind: ReleaseKind;
  }[];
}

export const seedReleaseContext = new AsyncLocalStorage<SeedReleaseContext>();

/** The start line's account of a reseed: what it changed, and which loaded rows it left alone. */
export function describeSeedOutcome(outcome: SeedOutcome | null | undefined): string {
  if (!outcome) return '';
  const { inserted, updated, deleted } = outcome.counts;
  const changed =
    outcome.release === null
      ? 'no row changed'
      : `release ${outcome.release}: ${inserted} inserted, ${updated} updated, ${deleted} deleted`;
  if (outcome.kept.length === 0) return changed;
  const byRelease = new Map<number, string[]>();
  for (const k of outcome.kept)
    byRelease.set(k.release, [...(byRelease.get(k.release) ?? []), describeRow(k.table, k.key)]);
  const kept = [...byRelease]
    .map(([release, rows]) => {
      const kind = outcome.kept.find((k) => k.release === release)?.kind ?? 'load';
      const shown = rows.slice(0, 3).join('; ');
      return `release ${release} (${kind}): ${rows.length} row(s) [${shown}${rows.length > 3 ? '; ...' : ''}]`;
    })
    .join(', ');
  return `${changed}; kept as later releases left them, not reverted to data/: ${kept}`;
}

/** One change as a changes feed gives it: the row change, its release and time, and the STP or region it belongs to. */
export interface FeedChange extends RowChange {
  /** The change record's id: the cursor to page on. */
  readonly id: number;
  readonly release: number;
  readonly at: string;
}

export interface ChangesPage {
  readonly changes: readonly FeedChange[];
  /** The cursor for the next page (the last change's id), or null when this page is the last. */
  readonly next: number | null;
}

/**
 * The changes after a release (or a time), oldest first, a page at a time: one statement whatever
 * the page size, walking the change records' primary key from the cursor (`after`, a change id).
 * What the gateway's `changes(since)` asks each subgraph for.
 */
export async function changesSince<DB>(
  db: Kysely<DB>,
  options: {
    readonly sinceRelease?: number;
    readonly sinceTime?: string;
    readonly table?: string;
    /** Only the changes to rows of this STP or region. */
    readonly entity?: Entity;
    readonly after?: number;
    readonly first: number;
  },
): Promise<ChangesPage> {
  const schema = requireSchema(db);
  if (!(await hasReleaseTables(db))) return { changes: [], next: null };
  const first = Math.max(1, Math.min(options.first, 1_000));
  const conditions = [
    sql`c.id > ${options.after ?? 0}`,
    ...(options.sinceRelease !== undefined ? [sql`c.release_id > ${options.sinceRelease}`] : []),
    ...(options.sinceTime !== undefined ? [sql`r.at > ${options.sinceTime}`] : []),
    ...(options.table !== undefined ? [sql`c.table_name = ${options.table}`] : []),
    ...(options.entity !== undefined
      ? [sql`c.entity = ${JSON.stringify({ type: options.entity.type, code: options.entity.code })}::jsonb`]
      : []),
  ];
  const { rows } = await sql<ChangeRow & { at: Date | string }>`select c.*, r.at
    from ${sql.table(`${schema}.hub_change`)} c
    join ${sql.table(`${schema}.hub_release`)} r on r.id = c.release_id
    where ${sql.join(conditions, sql` and `)}
    order by c.id
    limit ${first + 1}`.execute(db as unknown as Kysely<unknown>);
  const page = rows.slice(0, first).map((row) => {
    const change = toChange(row);
    return { ...change, at: new Date(row.at).toISOString() };
  });
  return { changes: page, next: rows.length > first ? (page.at(-1)?.id ?? null) : null };
}

/** One value a figure has had: the release that set it, when, the value (null once deleted) and its source. */
export interface HistoryEntry {
  readonly release: number;
  readonly kind: ReleaseKind;
  readonly at: string;
  readonly value: unknown;
  readonly source: Provenance | null;
}

/**
 * The history of one column of many rows (a figure per row), from the change records, oldest first:
 * one statement for every row asked about, so a GraphQL `history` field batches through a DataLoader.
 * Rows are named by their key as releases record it (`{ id: "workforce.QJM.1" }`).
 */
export async function figureHistories<DB>(
  db: Kysely<DB>,
  table: string,
  column: string,
  keys: readonly Readonly<Record<string, unknown>>[],
): Promise<HistoryEntry[][]> {
  const schema = requireSchema(db);
  if (keys.length === 0 || !(await hasReleaseTables(db))) return keys.map(() => []);
  const { rows } = await sql<ChangeRow & { kind: ReleaseKind; at: Date | string }>`select c.*, r.kind, r.at
    from ${sql.table(`${schema}.hub_change`)} c
    join ${sql.table(`${schema}.hub_release`)} r on r.id = c.release_id
    where c.table_name = ${table} and c.row_key in (${sql.join(keys.map((k) => sql`${JSON.stringify(k)}::jsonb`))})
    order by c.id`.execute(db as unknown as Kysely<unknown>);
  const byKey = new Map<string, HistoryEntry[]>();
  for (const row of rows) {
    const change = toChange(row);
    const values = change.op === 'delete' ? null : change.after;
    if (change.op === 'update' && !(values && column in values)) continue;
    const entry: HistoryEntry = {
      release: change.release,
      kind: row.kind,
      at: new Date(row.at).toISOString(),
      value: values ? (values[column] ?? null) : null,
      source: change.source ?? null,
    };
    const id = stableJson(change.key);
    byKey.set(id, [...(byKey.get(id) ?? []), entry]);
  }
  return keys.map((key) => byKey.get(stableJson(key)) ?? []);
}

import { type HubDatabase, openDatabase } from '@nhs-hub/kit/db';
import { type Kysely, sql } from 'kysely';
import type { DocumentNode, FragmentDefinitionNode, GraphQLSchema, SelectionSetNode } from 'graphql';
import type { FieldUser, UsageSource } from './governance.js';

/**
 * Field usage by client, recorded by the gateway (plugins/usage.ts) in its own Postgres schema:
 * which operations each client sent, hour by hour, and which schema coordinates each operation
 * touches. Read by `npm run schema:usage` and by the breaking-change check (schema:check).
 *
 * Three tables: an operation once per document hash (its name and coordinates), its coordinates
 * one per row (so "who uses Stp.financialGap" is an index lookup), and the counts per time bucket,
 * client and operation. An hour's bucket is rolled up into its day after ROLLUP_AFTER_DAYS, and
 * every bucket older than RETENTION_DAYS is deleted, with the operations no bucket names any more.
 */
export const USAGE_SCHEMA = 'hub_usage';
export const RETENTION_DAYS = 90;
export const ROLLUP_AFTER_DAYS = 7;
/** Client name or version longer than this is cut: a header is the caller's to fill. */
export const CLIENT_FIELD_MAX = 100;
export const UNKNOWN_CLIENT = 'unknown';

/** Where usage is kept: a database and the Postgres schema in it (hub_usage unless a test isolates itself). */
export interface UsageTarget {
  readonly db: Kysely<unknown>;
  readonly schema: string;
}

/** One operation as the gateway saw it, by the sha256 of its document. */
export interface RecordedOperation {
  readonly hash: string;
  readonly name: string | null;
  /** `Type`, `Type.field` and `Type.field(arg:)`, sorted. */
  readonly coordinates: readonly string[];
}

/** Counts for one hour, client and operation. */
export interface UsageCount {
  /** The start of the hour, in ms since the epoch. */
  readonly hour: number;
  readonly clientName: string;
  readonly clientVersion: string;
  readonly operation: RecordedOperation;
  count: number;
  lastSeen: number;
}

/** A type with fields, as any copy of graphql shapes it (object and interface types). */
interface WithFields {
  readonly name: string;
  getFields(): Readonly<Record<string, { readonly type: unknown } | undefined>>;
}

const withFields = (type: unknown): WithFields | undefined =>
  typeof type === 'object' && type !== null && 'getFields' in type && 'name' in type ? (type as WithFields) : undefined;

/** The named type under lists and non-nulls. */
function namedType(type: unknown): unknown {
  let current = type;
  while (typeof current === 'object' && current !== null && 'ofType' in current && current.ofType)
    current = current.ofType;
  return current;
}

/**
 * Every schema coordinate a document touches: the types it selects from, their fields and the
 * arguments it passes (schema coordinates as the GraphQL spec writes them: `Stp.financialGap`,
 * `Query.stp(code:)`), and the object types fields return. Introspection is left out: it is
 * nobody's field to remove. The schema is read by shape, never by `instanceof`: the gateway's
 * bundle carries its own copy of graphql, a test runner another, and they refuse each other's types.
 */
export function coordinatesOf(schema: GraphQLSchema, document: DocumentNode): string[] {
  const found = new Set<string>();
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === 'FragmentDefinition') fragments.set(d.name.value, d);
  const spread = new Set<string>();
  const walk = (selectionSet: SelectionSetNode | undefined, parent: WithFields | undefined): void => {
    if (!selectionSet || !parent) return;
    for (const selection of selectionSet.selections) {
      if (selection.kind === 'Field') {
        const field = selection.name.value;
        if (field.startsWith('__') || parent.name.startsWith('__')) continue;
        found.add(parent.name);
        found.add(`${parent.name}.${field}`);
        for (const arg of selection.arguments ?? []) found.add(`${parent.name}.${field}(${arg.name.value}:)`);
        const returned = withFields(namedType(parent.getFields()[field]?.type));
        if (returned) found.add(returned.name);
        walk(selection.selectionSet, returned);
      } else if (selection.kind === 'InlineFragment') {
        const condition = selection.typeCondition?.name.value;
        walk(selection.selectionSet, condition ? withFields(schema.getType(condition)) : parent);
      } else {
        const fragment = fragments.get(selection.name.value);
        // A fragment spread twice is walked once (and a cycle, which validation refuses, ends).
        if (!fragment || spread.has(fragment.name.value)) continue;
        spread.add(fragment.name.value);
        walk(fragment.selectionSet, withFields(schema.getType(fragment.typeCondition.name.value)));
      }
    }
  };
  for (const d of document.definitions) {
    if (d.kind !== 'OperationDefinition') continue;
    const root =
      d.operation === 'query'
        ? schema.getQueryType()
        : d.operation === 'mutation'
          ? schema.getMutationType()
          : schema.getSubscriptionType();
    walk(d.selectionSet, withFields(root));
  }
  return [...found].sort();
}

/** graphql-inspector's path of an argument (`Query.stp.code`) as a schema coordinate (`Query.stp(code:)`). */
export function coordinateOfPath(path: string): string {
  const parts = path.split('.');
  return parts.length === 3 ? `${parts[0]}.${parts[1]}(${parts[2]}:)` : path;
}

/**
 * Creates the usage schema and tables where they are missing; replicas may race, so under a lock.
 * The schema is created only when it is not there: PostgreSQL checks the right to create one
 * before `if not exists`, and in a deployment roles.sql has made it already for an owner that has
 * no such right (infra/k8s/generate.ts). Only that owner runs this there (the gateway's migrate
 * Job, `node dist/gateway.mjs migrate`); the serving gateways write as a role that cannot.
 */
export async function ensureUsageTables({ db, schema }: UsageTarget): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${schema}))`.execute(tx);
    const { rows } = await sql<{ found: boolean }>`select to_regnamespace(${schema}) is not null as found`.execute(tx);
    if (!rows[0]?.found) await sql`create schema ${sql.id(schema)}`.execute(tx);
    await sql`create table if not exists ${sql.id(schema, 'operation')} (
      hash text primary key,
      name text,
      first_seen timestamptz not null default now()
    )`.execute(tx);
    await sql`create table if not exists ${sql.id(schema, 'operation_coordinate')} (
      coordinate text not null,
      hash text not null references ${sql.id(schema, 'operation')} (hash) on delete cascade,
      primary key (coordinate, hash)
    )`.execute(tx);
    await sql`create table if not exists ${sql.id(schema, 'usage')} (
      bucket timestamptz not null,
      span text not null check (span in ('hour', 'day')),
      client_name text not null,
      client_version text not null,
      operation_hash text not null references ${sql.id(schema, 'operation')} (hash) on delete cascade,
      count int8 not null,
      last_seen timestamptz not null,
      primary key (operation_hash, bucket, span, client_name, client_version)
    )`.execute(tx);
    await sql`create index if not exists usage_bucket on ${sql.id(schema, 'usage')} (bucket)`.execute(tx);
  });
}

/**
 * The gateway's pool on the usage database: it writes one batch at a time (plugins/usage/batches.ts
 * chains them, retention included), so one connection is all it ever uses. The deployment's connection
 * budget (infra/k8s/budget.ts) counts this, per gateway replica and for the migrate Job.
 */
export const USAGE_POOL_SIZE = 1;

/** The usage database as the gateway and its migrate command open it (HUB_USAGE_DATABASE_URL). */
export const openUsageDatabase = (url: string): Promise<HubDatabase> =>
  openDatabase({ url, poolSize: USAGE_POOL_SIZE });

/**
 * `node dist/gateway.mjs migrate`, the gateway's migrate Job: creates the usage tables as the
 * schema's owner, so the serving gateways (HUB_MIGRATE=verify) never run DDL. Returns the exit code.
 */
export async function migrateUsage(url: string | undefined, schema: string = USAGE_SCHEMA): Promise<number> {
  if (!url) {
    console.error('HUB_USAGE_DATABASE_URL is not set: no usage database to migrate');
    return 2;
  }
  const database = await openUsageDatabase(url);
  try {
    await ensureUsageTables({ db: database.root, schema });
    console.log(`gateway: field usage tables ready in schema ${schema} (${database.kind})`);
    return 0;
  } catch (error) {
    console.error(`gateway: field usage migration failed: ${(error as Error).message}`);
    return 1;
  } finally {
    await database.close();
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Writes one batch: operations not written before (with their coordinates), then the counts, added
 * to what the same bucket already holds (another replica, an earlier batch of the same hour).
 * One transaction, three statements per table at most, whatever the batch's size.
 */
export async function writeUsage(
  { db, schema }: UsageTarget,
  counts: readonly UsageCount[],
  newOperations: readonly RecordedOperation[],
): Promise<void> {
  if (!counts.length && !newOperations.length) return;
  await db.transaction().execute(async (tx) => {
    if (newOperations.length) {
      await sql`insert into ${sql.id(schema, 'operation')} (hash, name)
        select * from unnest(${newOperations.map((o) => o.hash)}::text[], ${newOperations.map((o) => o.name)}::text[])
        on conflict (hash) do nothing`.execute(tx);
      const pairs = newOperations.flatMap((o) => o.coordinates.map((c) => [c, o.hash] as const));
      if (pairs.length)
        await sql`insert into ${sql.id(schema, 'operation_coordinate')} (coordinate, hash)
          select * from unnest(${pairs.map((p) => p[0])}::text[], ${pairs.map((p) => p[1])}::text[])
          on conflict do nothing`.execute(tx);
    }
    if (counts.length)
      await sql`insert into ${sql.id(schema, 'usage')}
          (bucket, span, client_name, client_version, operation_hash, count, last_seen)
        select b, 'hour', n, v, h, c, l from unnest(
          ${counts.map((c) => iso(c.hour))}::timestamptz[], ${counts.map((c) => c.clientName)}::text[],
          ${counts.map((c) => c.clientVersion)}::text[], ${counts.map((c) => c.operation.hash)}::text[],
          ${counts.map((c) => c.count)}::int8[], ${counts.map((c) => iso(c.lastSeen))}::timestamptz[]
        ) as t(b, n, v, h, c, l)
        on conflict (operation_hash, bucket, span, client_name, client_version) do update
          set count = ${sql.id('usage', 'count')} + excluded.count,
              last_seen = greatest(${sql.id('usage', 'last_seen')}, excluded.last_seen)`.execute(tx);
  });
}

/**
 * Bounded retention: hours older than ROLLUP_AFTER_DAYS become one row per day, client and
 * operation; anything older than RETENTION_DAYS goes, and so do operations nothing counts any more.
 */
export async function pruneUsage({ db, schema }: UsageTarget, now: number = Date.now()): Promise<void> {
  const rollupBefore = iso(now - ROLLUP_AFTER_DAYS * 86_400_000);
  const dropBefore = iso(now - RETENTION_DAYS * 86_400_000);
  const usage = sql.id(schema, 'usage');
  await db.transaction().execute(async (tx) => {
    await sql`with old as (
        delete from ${usage} where span = 'hour' and bucket < ${rollupBefore}::timestamptz
        returning bucket, client_name, client_version, operation_hash, count, last_seen
      )
      insert into ${usage} (bucket, span, client_name, client_version, operation_hash, count, last_seen)
      select date_trunc('day', bucket at time zone 'UTC') at time zone 'UTC', 'day', client_name, client_version,
        operation_hash, sum(count)::int8, max(last_seen)
      from old group by 1, 3, 4, 5
      on conflict (operation_hash, bucket, span, client_name, client_version) do update
        set count = ${sql.id('usage', 'count')} + excluded.count,
            last_seen = greatest(${sql.id('usage', 'last_seen')}, excluded.last_seen)`.execute(tx);
    await sql`delete from ${usage} where bucket < ${dropBefore}::timestamptz`.execute(tx);
    await sql`delete from ${sql.id(schema, 'operation')} o
      where not exists (select 1 from ${usage} u where u.operation_hash = o.hash)`.execute(tx);
  });
}

/** One client's use of a coordinate through one operation. */
export interface CoordinateUse {
  readonly coordinate: string;
  readonly clientName: string;
  readonly clientVersion: string;
  readonly operationName: string | null;
  readonly operationHash: string;
  readonly count: number;
  /** ISO 8601, UTC. */
  readonly lastSeen: string;
}

/** Who used these coordinates since `since` (ms since the epoch): one row per coordinate, client and operation. */
export async function usesOf(
  { db, schema }: UsageTarget,
  coordinates: readonly string[],
  since: number,
): Promise<CoordinateUse[]> {
  if (!coordinates.length) return [];
  const { rows } = await sql<{
    coordinate: string;
    client_name: string;
    client_version: string;
    name: string | null;
    hash: string;
    count: number | string;
    last_seen: string;
  }>`select oc.coordinate, u.client_name, u.client_version, o.name, o.hash, sum(u.count)::int8 as count,
        to_char(max(u.last_seen) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as last_seen
      from ${sql.id(schema, 'operation_coordinate')} oc
      join ${sql.id(schema, 'operation')} o on o.hash = oc.hash
      join ${sql.id(schema, 'usage')} u on u.operation_hash = oc.hash
      where oc.coordinate = any(${[...coordinates]}::text[])
        and u.last_seen >= ${iso(since)}::timestamptz
      group by oc.coordinate, u.client_name, u.client_version, o.name, o.hash
      order by oc.coordinate, count desc, u.client_name, u.client_version, o.name`.execute(db);
  return rows.map((r) => ({
    coordinate: r.coordinate,
    clientName: r.client_name,
    clientVersion: r.client_version,
    operationName: r.name,
    operationHash: r.hash,
    // int8: a number on PGlite and (as the hub opens pg) on pg; Number() keeps either honest.
    count: Number(r.count),
    lastSeen: r.last_seen,
  }));
}

/** Whether the usage tables exist (a database no gateway has recorded to has none). */
export async function hasUsageTables({ db, schema }: UsageTarget): Promise<boolean> {
  const { rows } = await sql<{ found: string | null }>`select to_regclass(${`${schema}.usage`})::text as found`.execute(
    db,
  );
  return rows[0]?.found != null;
}

/** Days of recorded usage a breaking change is checked against unless told otherwise. */
export const DEFAULT_USAGE_DAYS = 30;

/** A client as a FieldUser names it: `name@version`, or the name alone. */
export const clientLabel = (name: string, version: string) => (version ? `${name}@${version}` : name);

/**
 * Recorded usage as a governance UsageSource: for each coordinate a change touches (graphql-
 * inspector's paths, `Query.stp.code` for an argument), the clients that used it in the last
 * `days` days, with their operations, the requests counted and the time last seen.
 */
export function recordedUsage(target: UsageTarget, days: number = DEFAULT_USAGE_DAYS): UsageSource {
  return async (paths) => {
    const coordinates = new Map(paths.map((p) => [coordinateOfPath(p), p]));
    const uses = (await hasUsageTables(target))
      ? await usesOf(target, [...coordinates.keys()], Date.now() - days * 86_400_000)
      : [];
    const found = new Map<string, FieldUser[]>();
    for (const use of uses) {
      const path = coordinates.get(use.coordinate) ?? use.coordinate;
      const users = found.get(path) ?? [];
      const client = clientLabel(use.clientName, use.clientVersion);
      let user = users.find((u) => u.client === client);
      if (!user) {
        user = { client, operations: [], count: 0, lastSeen: use.lastSeen };
        users.push(user);
      }
      const operation = use.operationName ?? `anonymous ${use.operationHash.slice(0, 12)}`;
      if (!user.operations.includes(operation)) user.operations.push(operation);
      user.count = (user.count ?? 0) + use.count;
      if (!user.lastSeen || use.lastSeen > user.lastSeen) user.lastSeen = use.lastSeen;
      found.set(path, users);
    }
    return found;
  };
}

/** What `npm run schema:usage -- <coordinate>` prints: each client and operation that used it, busiest first. */
export async function usageReport(
  target: UsageTarget,
  coordinate: string,
  days: number = RETENTION_DAYS,
): Promise<string> {
  const wanted = coordinateOfPath(coordinate);
  const uses = (await hasUsageTables(target)) ? await usesOf(target, [wanted], Date.now() - days * 86_400_000) : [];
  if (!uses.length) return `${wanted}: no recorded use in the last ${days} days.`;
  const total = uses.reduce((n, u) => n + u.count, 0);
  const rows = uses.map((u) => [
    clientLabel(u.clientName, u.clientVersion),
    u.operationName ?? `(anonymous ${u.operationHash.slice(0, 12)})`,
    String(u.count),
    u.lastSeen,
  ]);
  const header = ['client', 'operation', 'requests', 'last seen'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 2 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [
    `${wanted}: ${total} request(s) in the last ${days} days, ${new Set(rows.map((r) => r[0])).size} client(s).`,
    line(header),
    ...rows.map(line),
  ].join('\n');
}

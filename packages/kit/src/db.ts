import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresDialect,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
} from 'kysely';
import { type PgliteLock, lockPgliteDataDir } from './pglite-lock.js';
import { REPO_ROOT } from './repo.js';
import { retryingPool } from './pg-retry.js';
import { SqlCounter, SqlCounterPlugin } from './sql-counter.js';
import { tracedDialect } from './platform/tracing.js';

/**
 * Type OIDs whose default parsing would change a value on its way out of Postgres:
 * `date` must stay an ISO string (a JS Date shifts with the time zone), `numeric` must stay a
 * string (money is exact), and `int8` (count(*)) must be a number on both drivers.
 */
const OID = { INT8: 20, DATE: 1082, NUMERIC: 1700 } as const;
const keepText = (value: string): string => value;
const toNumber = (value: string): number => Number(value);

export type DatabaseKind = 'pglite' | 'postgres';

/** One process-wide connection to the hub's database, shared by every subgraph in the process. */
export interface HubDatabase {
  readonly kind: DatabaseKind;
  readonly root: Kysely<unknown>;
  /** A Kysely scoped to one subgraph's Postgres schema, counting its statements. */
  forSchema<DB>(schema: string): SubgraphDatabase<DB>;
  dropSchema(schema: string): Promise<void>;
  close(): Promise<void>;
}

export interface SubgraphDatabase<DB> {
  readonly schema: string;
  readonly db: Kysely<DB>;
  readonly counter: SqlCounter;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL connection string; embedded PGlite when absent. */
  url?: string | undefined;
  /** Directory for a persistent PGlite; in memory when absent. */
  pgliteDataDir?: string | undefined;
  /**
   * Connections the PostgreSQL pool may hold; POOL_SIZE unless a process needs fewer (the
   * deployment's connection budget, infra/k8s/budget.ts, counts each process's pool).
   */
  poolSize?: number | undefined;
}

/** The pool of a hub process on PostgreSQL: every subgraph replica and migrate Job opens this many at most. */
export const POOL_SIZE = 10;

/**
 * For a subgraph that owns no tables (`dataless`, the releases subgraph run on its own): the shape
 * of a database with no connection behind it, so a deployment gives it no DATABASE_URL, Secret or role.
 */
export function noDatabase(): HubDatabase {
  const root = new Kysely<unknown>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
  return {
    kind: 'postgres',
    root,
    forSchema<DB>(schema: string): SubgraphDatabase<DB> {
      return { schema, db: root as Kysely<DB>, counter: new SqlCounter() };
    },
    dropSchema: async () => undefined,
    close: () => root.destroy(),
  };
}

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<HubDatabase> {
  const { url, pgliteDataDir, poolSize = POOL_SIZE } = options;
  let root: Kysely<unknown>;
  let kind: DatabaseKind;
  let pglite: PGlite | undefined;
  let lock: PgliteLock | undefined;
  // Each driver is loaded only when used: a process runs on one of them, never both.
  if (url) {
    kind = 'postgres';
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({
      connectionString: url,
      max: poolSize,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
          if (oid === OID.DATE || oid === OID.NUMERIC) return keepText;
          if (oid === OID.INT8) return toNumber;
          return pg.types.getTypeParser(oid, format);
        }) as typeof pg.types.getTypeParser,
      },
    });
    // A dropped connection (server restart) must not crash the process; the pool reconnects.
    // The pool only listens on idle clients; a client that is checked out when the server goes away
    // emits 'error' with no listener, which would end the process. Its query fails and the pool
    // discards it instead.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    root = new Kysely<unknown>({ dialect: tracedDialect(new PostgresDialect({ pool: retryingPool(pool) })) });
  } else {
    kind = 'pglite';
    const [{ PGlite, types: pgliteTypes }, { PGliteDialect }] = await Promise.all([
      import('@electric-sql/pglite'),
      import('kysely-pglite-dialect'),
    ]);
    // PGlite creates only the last path segment, and a failure there never settles waitReady.
    if (pgliteDataDir) mkdirSync(dirname(pgliteDataDir), { recursive: true });
    // One process per on-disk cluster: PGlite itself would let a second one in.
    if (pgliteDataDir) lock = lockPgliteDataDir(pgliteDataDir);
    // A cluster that does not exist yet (in memory, or a new directory) starts from the template.
    const fresh = !pgliteDataDir || !existsSync(join(pgliteDataDir, 'PG_VERSION'));
    const template = fresh ? readTemplate() : null;
    // Options must be the only argument: PGlite ignores them when the data dir argument is undefined.
    pglite = new PGlite({
      ...(pgliteDataDir ? { dataDir: pgliteDataDir } : {}),
      // The smallest heap PGlite accepts and small buffers: the whole hub fits in a few hundred MB.
      initialMemory: 128 * 2 ** 20,
      postgresqlconf: 'shared_buffers=8MB',
      // Buffer is a valid BlobPart at run time; some DOM typings in the tree disagree on its buffer type.
      ...(template ? { loadDataDir: new Blob([template as unknown as ArrayBuffer]) } : {}),
      parsers: {
        [pgliteTypes.DATE]: keepText,
        [pgliteTypes.NUMERIC]: keepText,
        [pgliteTypes.INT8]: toNumber,
      },
    });
    try {
      await pglite.waitReady;
    } catch (error) {
      lock?.release();
      throw error;
    }
    if (fresh && !template) await writeTemplate(pglite);
    root = new Kysely<unknown>({ dialect: tracedDialect(new PGliteDialect(pglite)) });
  }
  return {
    kind,
    root,
    forSchema<DB>(schema: string): SubgraphDatabase<DB> {
      assertSchemaName(schema);
      const counter = new SqlCounter();
      const db = (root as Kysely<DB>).withSchema(schema).withPlugin(new SqlCounterPlugin(counter));
      return { schema, db, counter };
    },
    async dropSchema(schema: string): Promise<void> {
      assertSchemaName(schema);
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(root);
    },
    async close(): Promise<void> {
      await root.destroy();
      // Kysely only destroys a driver it has used; an unused PGlite would keep the process alive.
      if (pglite && !pglite.closed) await pglite.close();
      lock?.release();
    },
  };
}

/**
 * Where `npm start` keeps its embedded database. On disk, because a PGlite cluster in memory holds
 * every page in the JS heap as well (hundreds of MB); an existing on-disk cluster opens in a
 * fraction of a second and stays small. Each start reseeds it from the data files, keeping every
 * row a later release changed (the rule is in docs/data-releases.md). Created by `npm install`.
 */
export const DEFAULT_PGLITE_DATA_DIR = `${REPO_ROOT}.pglite/hub`;

/**
 * A new PGlite cluster spends most of its start-up in initdb (about 2.5 s here). The first start
 * saves the freshly initialised, still empty cluster under node_modules/.cache (`npm install` does
 * it, packages/kit/src/warm-pglite.ts); every later new cluster, in memory (each test file) or in a
 * new directory (`npm start` on a fresh PGLITE_DATA_DIR), loads it instead in about 0.4 s. The
 * cache is keyed by the PGlite version and holds no data of ours, so it can never serve stale rows.
 */
function templatePath(): string | null {
  try {
    const { version } = JSON.parse(
      readFileSync(`${REPO_ROOT}node_modules/@electric-sql/pglite/package.json`, 'utf8'),
    ) as { version: string };
    return `${REPO_ROOT}node_modules/.cache/nhs-hub/pglite-${version}-initdb.tar`;
  } catch {
    return null;
  }
}

function readTemplate(): Buffer | null {
  const path = templatePath();
  if (!path) return null;
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}

async function writeTemplate(pglite: PGlite): Promise<void> {
  const path = templatePath();
  if (!path) return;
  try {
    const dump = await pglite.dumpDataDir('none');
    mkdirSync(dirname(path), { recursive: true });
    const partial = `${path}.${process.pid}.tmp`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, path); // atomic: a concurrent reader sees the whole file or none
  } catch {
    // A read-only checkout only loses the speed-up.
  }
}

function assertSchemaName(schema: string): void {
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`Invalid schema name '${schema}': use lower-case letters, digits and _`);
  }
}

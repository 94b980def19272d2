import { SignJWT } from 'jose';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { sql } from 'kysely';
import { DataFileError, located } from './data.js';
import { type HubDatabase, openDatabase, type SubgraphDatabase } from './db.js';
import { type RunningSubgraph, type SubgraphDefinition, startSubgraph } from './subgraph-runtime.js';

export * from './processes.js';
export * from './system-tools.js';

/**
 * Test helpers. Tests run on the PostgreSQL server named by TEST_DATABASE_URL or DATABASE_URL when
 * set, on embedded PGlite otherwise; every test file works in schemas of its own, dropped at the end,
 * so runs never collide with each other or with data a developer keeps.
 */
export function testDatabaseUrl(): string | undefined {
  return process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? undefined;
}

/** A test's folder of files to load, as a data engineer would write them. */
export interface LoadFiles {
  readonly dir: string;
  path(name: string): string;
  /** Writes `text` to `name` in the folder; returns its path. */
  write(name: string, text: string): string;
  /** Writes a CSV file: the header line, then each row (a line as the data file has it); returns its path. */
  csv(name: string, header: string, ...rows: string[]): string;
  remove(): void;
}

/** A temporary folder (`<tmp>/<prefix>XXXXXX`) for the files a test loads; `remove()` in its afterAll. */
export function loadFiles(prefix: string): LoadFiles {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const path = (name: string) => join(dir, name);
  const write = (name: string, text: string) => {
    writeFileSync(path(name), text);
    return path(name);
  };
  return {
    dir,
    path,
    write,
    csv: (name, header, ...rows) => write(name, `${[header, ...rows].join('\n')}\n`),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function uniqueSchemaName(prefix: string): string {
  return `${prefix}_t${randomBytes(5).toString('hex')}`;
}

export interface TestHub {
  readonly database: HubDatabase;
  start<DB>(
    definition: SubgraphDefinition<DB>,
    options?: { gatewaySecret?: string; peers?: Readonly<Record<string, string>> },
  ): Promise<RunningSubgraph<DB>>;
  /** A unique schema name registered for cleanup. */
  schema(prefix: string): string;
  /** Such a schema created empty, and the database scoped to it: for a test that makes its own tables. */
  newSchema<DB>(prefix: string): Promise<SubgraphDatabase<DB>>;
  close(): Promise<void>;
}

export async function createTestHub(): Promise<TestHub> {
  const database = await openDatabase({ url: testDatabaseUrl() });
  const schemas: string[] = [];
  const servers: { close(): Promise<void> }[] = [];
  const schema = (prefix: string): string => {
    const name = uniqueSchemaName(prefix);
    schemas.push(name);
    return name;
  };
  return {
    database,
    schema,
    async newSchema<DB>(prefix: string) {
      const scoped = database.forSchema<DB>(schema(prefix));
      await sql`create schema ${sql.id(scoped.schema)}`.execute(database.root);
      return scoped;
    },
    async start(definition, options) {
      const schemaName = schema(definition.name);
      const running = await startSubgraph(definition, { database, schemaName, port: 0, ...options });
      servers.push(running);
      return running;
    },
    async close() {
      for (const server of servers.reverse()) await server.close();
      for (const schema of schemas) await database.dropSchema(schema);
      await database.close();
    },
  };
}

export interface GraphQLResponseBody<TData = Record<string, unknown>> {
  data?: TData | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  /** The gateway's: `dataVersion` on every answer. */
  extensions?: Record<string, unknown>;
}

/** POSTs a GraphQL operation over real HTTP and returns the status and parsed body. */
export async function postGraphQL<TData = Record<string, unknown>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: GraphQLResponseBody<TData> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  let body: GraphQLResponseBody<TData>;
  try {
    body = JSON.parse(text) as GraphQLResponseBody<TData>;
  } catch {
    throw new Error(`Non-JSON response (${res.status}): ${text.slice(0, 200)}`);
  }
  return { status: res.status, body };
}

/** The key tests sign tokens with; set as HUB_JWT_SECRET for the test process unless one is set. */
export const TEST_JWT_SECRET = 'test-only-key-of-the-nhs-region-data-hub-never-deployed';

/** A bearer token as an identity provider would issue it, signed with the test process's key. */
export async function signTestToken(
  claims: { scope?: string; sub?: string; expiresAt?: number },
  secret?: string,
): Promise<string> {
  process.env.HUB_JWT_SECRET ??= TEST_JWT_SECRET;
  const key = new TextEncoder().encode(secret ?? process.env.HUB_JWT_SECRET);
  const jwt = new SignJWT(claims.scope === undefined ? {} : { scope: claims.scope })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub ?? 'test-user')
    .setIssuedAt(claims.expiresAt === undefined ? undefined : claims.expiresAt - 3600)
    .setExpirationTime(claims.expiresAt ?? '1h');
  return `Bearer ${await jwt.sign(key)}`;
}

/**
 * For tests: a copy of a subgraph's data folder (`<X>_DATA_DIR`) with some of its files edited, so a
 * step can be shown refusing a bad file while the real data stays untouched. Returns the copy's
 * folder with a trailing slash, as the data folders are given. An edit naming a file the folder does
 * not have, or leaving its file unchanged, throws: such a test would pass without testing anything.
 */
export function editedCopy(dataDir: string, edits: Readonly<Record<string, (text: string) => string>>): string {
  // Named after the subgraph (services/<name>/data/), as problems print the path.
  const dir = `${mkdtempSync(join(tmpdir(), `${basename(resolve(dataDir, '..'))}-data-`))}/`;
  cpSync(dataDir, dir, { recursive: true });
  for (const [file, edit] of Object.entries(edits)) {
    const path = join(dir, file);
    if (!existsSync(path)) throw new Error(`editedCopy: ${dataDir} has no file ${file}`);
    const before = readFileSync(path, 'utf8');
    const after = edit(before);
    if (after === before) throw new Error(`editedCopy: the edit of ${file} changed nothing`);
    writeFileSync(path, after);
  }
  return dir;
}

/**
 * The problems a refused load or seed reports, each as an editor jumps to it (`file:line [column]
 * reason`); a work that succeeds, or fails any other way, fails the test instead.
 */
export async function refusedProblems(work: Promise<unknown>): Promise<string[]> {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof DataFileError))
    throw new Error(
      `expected the data to be refused (a DataFileError), got ${error === null ? 'success' : String(error)}`,
    );
  return error.problems.map(located);
}

// npm run load -- <subgraph> <table> <file.csv|file.json> [--dry-run] [--schema=<name>]
// Loads a data file into one of a subgraph's loadable tables: every row validated first (file:line
// [column]: reason for each bad one, nothing loaded), then one transaction of idempotent upserts.
// Runs on the embedded database npm start uses, or on PostgreSQL when DATABASE_URL is set.
import '@nhs-hub/kit/telemetry';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DataFileError,
  DEFAULT_PGLITE_DATA_DIR,
  displayPath,
  formatLoadSummary,
  type HubDatabase,
  loadFile,
  openDatabase,
  prepareSubgraph,
  readEnv,
} from '@nhs-hub/kit/subgraph';
import { purgeGatewayCaches, subgraphKey } from '@nhs-hub/kit/cache-purge';
import { SingleBar } from 'cli-progress';
import { loadSubgraph, readGraphConfig } from '../gateway/src/config.js';

export const USAGE = 'usage: npm run load -- <subgraph> <table> <file.csv|file.json> [--dry-run] [--schema=<name>]';

export interface LoadCommandOptions {
  /** A database that is already open (tests); otherwise one is opened from the environment and closed after. */
  readonly database?: HubDatabase;
  /** Where relative file names are resolved from; npm sets INIT_CWD to the directory it was run in. */
  readonly cwd?: string;
  readonly stdout?: (line: string) => void;
  readonly stderr?: (line: string) => void;
  /** Where the progress bar is drawn; cli-progress draws only when this is a terminal. */
  readonly progressStream?: NodeJS.WritableStream;
}

/** Runs the command and returns its exit code: 0 loaded (or nothing to do), 1 the file or the database was refused, 2 usage. */
export async function runLoadCommand(argv: readonly string[], options: LoadCommandOptions = {}): Promise<number> {
  const out = options.stdout ?? ((line: string) => console.log(line));
  const err = options.stderr ?? ((line: string) => console.error(line));
  const dryRun = argv.includes('--dry-run');
  const env = readEnv();
  // The Postgres schema to load into: the subgraph's own unless a deployment (HUB_SCHEMA) or a test says otherwise.
  const schemaArg = argv.find((a) => a.startsWith('--schema='))?.slice('--schema='.length) ?? env.HUB_SCHEMA;
  const unknownFlag = argv.find((a) => a.startsWith('--') && a !== '--dry-run' && !a.startsWith('--schema='));
  const [name, table, file, ...extra] = argv.filter((a) => !a.startsWith('--'));
  if (!name || !table || !file || extra.length || unknownFlag) {
    err(unknownFlag ? `unknown option ${unknownFlag}\n${USAGE}` : USAGE);
    return 2;
  }
  const entries = readGraphConfig();
  const entry = entries.find((e) => e.name === name);
  if (!entry) {
    err(`No subgraph '${name}' in schema/subgraphs.json (have: ${entries.map((e) => e.name).join(', ')})`);
    return 2;
  }
  const definition = await loadSubgraph(entry);
  const loadable = definition.loadables?.[table];
  if (!loadable) {
    err(
      `Subgraph '${name}' has no loadable table '${table}' (loadable: ${Object.keys(definition.loadables ?? {}).join(', ') || 'none'})`,
    );
    return 2;
  }
  const path = resolve(options.cwd ?? process.env.INIT_CWD ?? process.cwd(), file);
  const pgliteDataDir = env.PGLITE_DATA_DIR ?? DEFAULT_PGLITE_DATA_DIR;
  let database: HubDatabase;
  try {
    database = options.database ?? (await openDatabase({ url: env.DATABASE_URL, pgliteDataDir }));
  } catch (error) {
    // Most often the embedded database is held by a running hub; the message says what to do.
    err((error as Error).message);
    return 1;
  }
  const schemaName = schemaArg ?? definition.name;
  // Said before anything is written, so nobody loads into the wrong database by surprise.
  const where =
    database.kind === 'postgres'
      ? `PostgreSQL (${redact(env.DATABASE_URL)})`
      : options.database
        ? 'PGlite'
        : `PGlite (${displayPath(pgliteDataDir)})`;
  err(`${dryRun ? 'Dry run: ' : ''}${displayPath(path)} -> ${schemaName}.${table} on ${where}`);
  const bar = new SingleBar({
    format: `${table} [{bar}] {percentage}% | {value}/{total} rows | {rate} rows/s | ETA {eta}s`,
    stream: options.progressStream ?? process.stderr,
    noTTYOutput: false,
  });
  let barStarted = false;
  try {
    // The schema must be at its latest migration; a load never seeds (that would replace the table).
    await prepareSubgraph(definition, database, schemaName, false);
    const started = performance.now();
    const summary = await loadFile(database.forSchema(schemaName).db, loadable, path, {
      dryRun,
      onProgress: (done, total) => {
        if (!barStarted) {
          bar.start(total, 0, { rate: 0 });
          barStarted = true;
        }
        bar.update(done, { rate: Math.round(done / Math.max((performance.now() - started) / 1000, 0.001)) });
      },
    });
    if (barStarted) bar.stop();
    out(formatLoadSummary(summary));
    // The rows are committed: cached answers from before the load must not be served after it.
    if (!dryRun && (summary.inserted > 0 || summary.updated > 0 || summary.deleted > 0))
      // Only the answers that read this subgraph's data, in a CDN that can tell them apart.
      for (const line of await purgeGatewayCaches(env, undefined, [subgraphKey(definition.name)])) err(line);
    return 0;
  } catch (error) {
    if (barStarted) bar.stop();
    if (error instanceof DataFileError) {
      err(error.message);
      return 1;
    }
    throw error;
  } finally {
    if (!options.database) await database.close();
  }
}

/** A connection string without its password, fit to print. */
function redact(url: string | undefined): string {
  if (!url) return '';
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'DATABASE_URL';
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await runLoadCommand(process.argv.slice(2));
}

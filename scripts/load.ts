// npm run load -- <subgraph> <table> <file.csv|file.json> [--dry-run] [--delete | --replace [--yes]] [--schema=<name>]
// Loads a data file into one of a subgraph's loadable tables: every row validated first (file:line
// [column]: reason for each bad one, nothing loaded), then one transaction of idempotent upserts,
// recorded as a release (npm run releases lists them, npm run revert undoes one). --delete deletes
// the rows whose keys the file lists; --replace makes the table hold exactly the file, showing first
// what would disappear and asking (unless --yes). Runs on the embedded database npm start uses, or on
// PostgreSQL when DATABASE_URL is set.
import '@nhs-hub/kit/telemetry';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { pathToFileURL } from 'node:url';
import {
  DataFileError,
  displayPath,
  formatChange,
  formatLoadSummary,
  type HubDatabase,
  type LoadMode,
  type LoadSummaryWithChanges,
  loadFile,
  prepareSubgraph,
  readEnv,
  ReleaseError,
  withCommandDatabase,
} from '@nhs-hub/kit/subgraph';
import { announceRelease } from '@nhs-hub/kit/cache-purge';
import { SingleBar } from 'cli-progress';
import { loadSubgraph, readGraphConfig } from '../gateway/src/config.js';

export const USAGE =
  'usage: npm run load -- <subgraph> <table> <file.csv|file.json> [--dry-run] [--delete | --replace [--yes]] [--schema=<name>]';

/** How many changed rows a dry run or a replace prints before saying how many more there are. */
const SHOWN = 50;

export interface LoadCommandOptions {
  /** A database that is already open (tests); otherwise one is opened from the environment and closed after. */
  readonly database?: HubDatabase;
  /** Where relative file names are resolved from; npm sets INIT_CWD to the directory it was run in. */
  readonly cwd?: string;
  readonly stdout?: (line: string) => void;
  readonly stderr?: (line: string) => void;
  /** Where the progress bar is drawn; cli-progress draws only when this is a terminal. */
  readonly progressStream?: NodeJS.WritableStream;
  /** Asks a yes/no question (a replace's confirmation); by default on the terminal, refused when there is none. */
  readonly confirm?: (question: string) => Promise<boolean>;
}

const FLAGS = new Set(['--dry-run', '--delete', '--replace', '--yes']);

/** Runs the command and returns its exit code: 0 loaded (or nothing to do), 1 the file or the database was refused, 2 usage. */
export async function runLoadCommand(argv: readonly string[], options: LoadCommandOptions = {}): Promise<number> {
  const out = options.stdout ?? ((line: string) => console.log(line));
  const err = options.stderr ?? ((line: string) => console.error(line));
  const dryRun = argv.includes('--dry-run');
  const mode: LoadMode = argv.includes('--delete') ? 'delete' : argv.includes('--replace') ? 'replace' : 'upsert';
  const yes = argv.includes('--yes');
  const env = readEnv();
  // The Postgres schema to load into: the subgraph's own unless a deployment (HUB_SCHEMA) or a test says otherwise.
  const schemaArg = argv.find((a) => a.startsWith('--schema='))?.slice('--schema='.length) ?? env.HUB_SCHEMA;
  const unknownFlag = argv.find((a) => a.startsWith('--') && !FLAGS.has(a) && !a.startsWith('--schema='));
  const [name, table, file, ...extra] = argv.filter((a) => !a.startsWith('--'));
  if (!name || !table || !file || extra.length || unknownFlag) {
    err(unknownFlag ? `unknown option ${unknownFlag}\n${USAGE}` : USAGE);
    return 2;
  }
  if (argv.includes('--delete') && argv.includes('--replace')) {
    err(`--delete and --replace cannot go together\n${USAGE}`);
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
  return withCommandDatabase(options.database, err, async (database, where) => {
    const schemaName = schemaArg ?? definition.name;
    // Said before anything is written, so nobody loads into the wrong database by surprise.
    const what =
      mode === 'delete' ? ' (deleting the rows it lists)' : mode === 'replace' ? ' (replacing the table)' : '';
    err(`${dryRun ? 'Dry run: ' : ''}${displayPath(path)} -> ${schemaName}.${table} on ${where}${what}`);
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
      const scoped = database.forSchema(schemaName).db;
      const run = (dry: boolean, confirmedDeletions?: LoadSummaryWithChanges['replacedKeys']) =>
        loadFile(scoped, loadable, path, {
          dryRun: dry,
          mode,
          ...(confirmedDeletions === undefined ? {} : { confirmedDeletions }),
          onProgress: (done, total) => {
            if (!barStarted) {
              bar.start(total, 0, { rate: 0 });
              barStarted = true;
            }
            bar.update(done, { rate: Math.round(done / Math.max((performance.now() - started) / 1000, 0.001)) });
          },
        });
      let summary: LoadSummaryWithChanges;
      if (mode === 'replace' && !dryRun) {
        // What would disappear is shown before anything is written; the load then deletes exactly
        // those rows or refuses (another load ran meanwhile), not merely as many.
        const plan = await run(true);
        if (barStarted) bar.stop();
        barStarted = false;
        if (plan.deleted > 0) {
          const gone = plan.preview.filter((c) => c.op === 'delete');
          err(`--replace would delete ${plan.deleted} row(s) of ${schemaName}.${table} that the file does not have:`);
          for (const change of gone.slice(0, SHOWN)) err(`  ${formatChange(change)}`);
          if (plan.deleted > Math.min(gone.length, SHOWN))
            err(`  ... and ${plan.deleted - Math.min(gone.length, SHOWN)} more`);
          const ask = options.confirm ?? askOnTerminal;
          if (!yes && !(await ask(`Delete them and load the file? [y/N] `))) {
            err('Nothing was written. (Give --yes to confirm without being asked.)');
            return 1;
          }
        }
        summary = await run(false, plan.replacedKeys ?? []);
      } else summary = await run(dryRun);
      if (barStarted) bar.stop();
      barStarted = false;
      if (dryRun) {
        for (const change of summary.preview.slice(0, SHOWN)) out(formatChange(change));
        const changed = summary.inserted + summary.updated + summary.deleted;
        if (changed > SHOWN) out(`... and ${changed - SHOWN} more`);
      }
      out(formatLoadSummary(summary));
      if (summary.release !== null)
        err(
          `Recorded as release ${summary.release} of ${schemaName} (npm run revert -- ${name}/${summary.release} undoes it).`,
        );
      // The rows are committed: cached answers from before the load must not be served after it.
      if (!dryRun && (summary.inserted > 0 || summary.updated > 0 || summary.deleted > 0))
        // Only the answers that read this subgraph's data, in a CDN that can tell them apart.
        for (const line of await announceRelease(env, scoped, definition.name, summary.release)) err(line);
      return 0;
    } catch (error) {
      if (barStarted) bar.stop();
      if (error instanceof DataFileError || error instanceof ReleaseError) {
        err(error.message);
        return 1;
      }
      throw error;
    }
  });
}

/** A yes/no question on the terminal; without one (a pipe, CI) the answer is no. */
async function askOnTerminal(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await runLoadCommand(process.argv.slice(2));
}

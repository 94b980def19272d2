// npm run load -- <subgraph> <table> <file.csv|file.json> [--dry-run] [--schema=<name>]
// Loads a data file into one of a subgraph's loadable tables: every row validated first (file:line
// [column]: reason for each bad one, nothing loaded), then one transaction of idempotent upserts.
// Runs on the embedded database npm start uses, or on PostgreSQL when DATABASE_URL is set.
import '@nhs-hub/kit/telemetry';
import { resolve } from 'node:path';
import { DataFileError, DEFAULT_PGLITE_DATA_DIR, formatLoadSummary, loadFile, openDatabase, prepareSubgraph, readEnv } from '@nhs-hub/kit';
import { SingleBar } from 'cli-progress';
import { loadSubgraph, readGraphConfig } from '../gateway/src/config.js';

const args = process.argv.slice(2);
const dryRun = args.includes('--dry-run');
// The Postgres schema to load into; the subgraph's own by default (tests pass a throw-away one).
const schemaArg = args.find((a) => a.startsWith('--schema='))?.slice('--schema='.length);
const [name, table, file] = args.filter((a) => !a.startsWith('--'));
const usage = 'usage: npm run load -- <subgraph> <table> <file.csv|file.json> [--dry-run] [--schema=<name>]';
if (!name || !table || !file) {
  console.error(usage);
  process.exit(2);
}
const entry = readGraphConfig().find((e) => e.name === name);
if (!entry) {
  console.error(`No subgraph '${name}' in schema/subgraphs.json (have: ${readGraphConfig().map((e) => e.name).join(', ')})`);
  process.exit(2);
}
const definition = await loadSubgraph(entry);
const loadable = definition.loadables?.[table];
if (!loadable) {
  console.error(`Subgraph '${name}' has no loadable table '${table}' (loadable: ${Object.keys(definition.loadables ?? {}).join(', ') || 'none'})`);
  process.exit(2);
}
const env = readEnv();
const database = await openDatabase({ url: env.DATABASE_URL, pgliteDataDir: env.PGLITE_DATA_DIR ?? DEFAULT_PGLITE_DATA_DIR });
const bar = new SingleBar({ format: `${table} [{bar}] {percentage}% | {value}/{total} rows | {rate} rows/s | ETA {eta}s`, stream: process.stderr, noTTYOutput: false });
const started = performance.now();
try {
  // The schema must exist at its latest migration; loading never seeds.
  const schemaName = schemaArg ?? definition.name;
  await prepareSubgraph(definition, database, schemaName, false);
  let barStarted = false;
  const summary = await loadFile(database.forSchema(schemaName).db, loadable, resolve(process.env.INIT_CWD ?? process.cwd(), file), {
    dryRun,
    onProgress: (done, total) => {
      if (!barStarted) {
        bar.start(total, 0, { rate: 0 });
        barStarted = true;
      }
      bar.update(done, { rate: Math.round(done / ((performance.now() - started) / 1000)) });
    },
  });
  if (barStarted) bar.stop();
  console.log(formatLoadSummary(summary));
} catch (error) {
  bar.stop();
  if (error instanceof DataFileError) {
    console.error(error.message);
    process.exitCode = 1;
  } else throw error;
} finally {
  await database.close();
}

// npm run schema:usage -- <coordinate> [--days=N]
// Who used a schema coordinate (Stp.financialGap, or an argument: Query.stp(code:)): each client
// (its graphql-client-name and -version headers) and operation, with the requests counted and the
// time last seen, from the field usage the gateway records. Reads HUB_USAGE_DATABASE_URL, else
// DATABASE_URL, else the embedded database `npm start` keeps (stop the hub first: PGlite admits one process).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RETENTION_DAYS, type UsageTarget, usageReport } from '../gateway/src/usage.js';
import { NO_USAGE_DATABASE, openUsageDatabase } from '../gateway/src/usage-database.js';

export interface SchemaUsageOptions {
  /** Recorded usage already open (tests); otherwise the environment's, closed after. */
  readonly usageDatabase?: UsageTarget;
  readonly stdout?: (line: string) => void;
  readonly stderr?: (line: string) => void;
}

export async function runSchemaUsage(argv: readonly string[], options: SchemaUsageOptions = {}): Promise<number> {
  const out = options.stdout ?? ((line: string) => console.log(line));
  const err = options.stderr ?? ((line: string) => console.error(line));
  const coordinate = argv.find((a) => !a.startsWith('--'));
  const daysArg = argv.find((a) => a.startsWith('--days='))?.slice('--days='.length);
  const days = daysArg === undefined ? RETENTION_DAYS : Number(daysArg);
  const unknown = argv.filter((a) => a.startsWith('--') && !a.startsWith('--days='));
  if (!coordinate || unknown.length || !Number.isInteger(days) || days < 1) {
    err('usage: npm run schema:usage -- <Type.field | Type.field(arg:)> [--days=N]');
    return 2;
  }
  if (options.usageDatabase) {
    out(await usageReport(options.usageDatabase, coordinate, days));
    return 0;
  }
  let database: Awaited<ReturnType<typeof openUsageDatabase>>;
  try {
    database = await openUsageDatabase();
  } catch (error) {
    // Most often the embedded database while `npm start` holds it.
    err((error as Error).message);
    return 1;
  }
  if (!database) {
    out(`${coordinate}: no usage recorded (${NO_USAGE_DATABASE}).`);
    return 0;
  }
  try {
    out(await usageReport(database.target, coordinate, days));
  } finally {
    await database.close();
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await runSchemaUsage(process.argv.slice(2));
}

// npm run schema:usage -- <coordinate> [--days=N]
// Who used a schema coordinate (Stp.financialGap, or an argument: Query.stp(code:)): each client
// (its graphql-client-name and -version headers) and operation, with the requests counted and the
// time last seen, from the field usage the gateway records. Reads HUB_USAGE_DATABASE_URL, else
// DATABASE_URL, else the embedded database `npm start` keeps (stop the hub first: PGlite admits one process).
import { existsSync } from 'node:fs';
import { DEFAULT_PGLITE_DATA_DIR, openDatabase } from '@nhs-hub/kit/db';
import { readEnv } from '@nhs-hub/kit/env';
import { RETENTION_DAYS, USAGE_SCHEMA, usageReport } from '../gateway/src/usage.js';

const args = process.argv.slice(2);
const coordinate = args.find((a) => !a.startsWith('--'));
const daysArg = args.find((a) => a.startsWith('--days='))?.slice('--days='.length);
const days = daysArg === undefined ? RETENTION_DAYS : Number(daysArg);
const unknown = args.filter((a) => a.startsWith('--') && !a.startsWith('--days='));
if (!coordinate || unknown.length || !Number.isInteger(days) || days < 1) {
  console.error('usage: npm run schema:usage -- <Type.field | Type.field(arg:)> [--days=N]');
  process.exit(2);
}
const env = readEnv();
const url = env.HUB_USAGE_DATABASE_URL ?? env.DATABASE_URL;
const pgliteDataDir = env.PGLITE_DATA_DIR ?? DEFAULT_PGLITE_DATA_DIR;
if (!url && !existsSync(pgliteDataDir)) {
  console.log(`${coordinate}: no usage recorded (no HUB_USAGE_DATABASE_URL, no DATABASE_URL, no ${pgliteDataDir}).`);
  process.exit(0);
}
const database = await openDatabase({ url, pgliteDataDir });
try {
  console.log(await usageReport({ db: database.root, schema: USAGE_SCHEMA }, coordinate, days));
} finally {
  await database.close();
}

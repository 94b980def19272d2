// npm run schema:check [-- --base=<git ref>] [--accept] [--usage-days=N]
// Composes the graph in memory (writing nothing) and compares its API schema with the baseline: the
// last committed one (git HEAD, or --base), or where git has none the one `--accept` wrote. Lists
// every change a client can notice with its owner, and every breaking change with the clients known
// to use it: the checked-in operations in schema/operations, and the clients the gateway recorded
// using it in the last N days (--usage-days, 30 by default; from HUB_USAGE_DATABASE_URL, else
// DATABASE_URL, else the embedded database of `npm start`); exits 1 on a breaking change the
// allow-list (schema/breaking-changes-allowlist.json) does not accept. --accept then writes the
// composed schema as the baseline, and only when nothing is refused.
import { existsSync } from 'node:fs';
import { DEFAULT_PGLITE_DATA_DIR, type HubDatabase, openDatabase } from '@nhs-hub/kit/db';
import { readEnv } from '@nhs-hub/kit/env';
import { composeSupergraph } from '../gateway/src/composition.js';
import {
  acceptBaseline,
  checkedInOperations,
  combinedUsage,
  describeBreakingChange,
  reviewSchema,
  type UsageSource,
} from '../gateway/src/governance.js';
import { DEFAULT_USAGE_DAYS, recordedUsage, USAGE_SCHEMA } from '../gateway/src/usage.js';

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--accept' && !a.startsWith('--base=') && !/^--usage-days=[1-9]\d*$/.test(a));
if (unknown.length) {
  console.error(
    `usage: npm run schema:check [-- --base=<git ref>] [--accept] [--usage-days=N] (unknown: ${unknown.join(' ')})`,
  );
  process.exit(2);
}
const ref = args.find((a) => a.startsWith('--base='))?.slice('--base='.length);
const usageDays = Number(
  args.find((a) => a.startsWith('--usage-days='))?.slice('--usage-days='.length) ?? DEFAULT_USAGE_DAYS,
);
const env = readEnv();
const usageUrl = env.HUB_USAGE_DATABASE_URL ?? env.DATABASE_URL;
const pgliteDataDir = env.PGLITE_DATA_DIR ?? DEFAULT_PGLITE_DATA_DIR;
let usageDatabase: HubDatabase | null = null;
let usage: UsageSource = checkedInOperations();
if (usageUrl || existsSync(pgliteDataDir)) {
  try {
    usageDatabase = await openDatabase({ url: usageUrl, pgliteDataDir });
    usage = combinedUsage(usage, recordedUsage({ db: usageDatabase.root, schema: USAGE_SCHEMA }, usageDays));
  } catch (error) {
    // The check itself stands without it: every breaking change is refused unless allowed anyway.
    console.warn(`Recorded field usage not read (${(error as Error).message}); checked-in operations only.`);
  }
}
const result = await composeSupergraph();
const review = await reviewSchema(result, { ref, usage }).finally(() => usageDatabase?.close());
if (!review.baseline) {
  console.log('No baseline: git has no committed schema/api.graphql and none was accepted (--accept writes one).');
} else {
  console.log(`API schema against ${review.baseline.source}: ${review.changes.length} change(s).`);
  for (const c of review.changes)
    console.log(`  ${c.kind}${c.breaking ? ' (breaking)' : ''} ${c.coordinate} (owner ${c.owner}): ${c.message}`);
  for (const c of review.breaking.filter((b) => b.allowed))
    console.log(`Allowed by the allow-list: ${describeBreakingChange(c)}`);
  if (review.refused.length) {
    console.error(
      `Refused: ${review.refused.length} breaking change(s):\n${review.refused.map((c) => `  ${describeBreakingChange(c)}`).join('\n')}`,
    );
    process.exit(1);
  }
}
if (args.includes('--accept')) console.log(`Accepted as the baseline: ${acceptBaseline(result)}`);

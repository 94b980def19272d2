// npm run schema:check [-- --base=<git ref>] [--accept] [--usage-days=N]
// Composes the graph in memory (writing nothing) and compares its API schema with the baseline: the
// last committed one (git HEAD, or --base), or where git has none the one `--accept` wrote. Lists
// every change a client can notice with its owner, and every breaking change with the clients known
// to use it: the checked-in operations (schema/operations and @nhs-hub/client's persisted-documents
// manifest), and the clients the gateway recorded using it in the last N days (--usage-days, 30 by
// default; from HUB_USAGE_DATABASE_URL, else DATABASE_URL, else the embedded database of
// `npm start`). Exits 1 on a breaking change a known client uses that the allow-list
// (schema/breaking-changes-allowlist.json) does not accept; one no known client uses passes with a
// warning naming it. --accept then writes the composed schema as the baseline, and only when
// nothing is refused.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { composeSupergraph } from '../gateway/src/composition.js';
import { REPO_ROOT } from '../gateway/src/config.js';
import {
  type AllowlistEntry,
  acceptBaseline,
  describeBreakingChange,
  reviewSchema,
  type SchemaVersion,
} from '../gateway/src/governance.js';
import { DEFAULT_USAGE_DAYS, type UsageTarget } from '../gateway/src/usage.js';
import { knownUsage } from '../gateway/src/usage-database.js';

export interface SchemaCheckOptions {
  /** Recorded usage already open (tests), or null for none; otherwise the environment's, closed after. */
  readonly usageDatabase?: UsageTarget | null;
  /** The composition to check (tests); otherwise the repository's, composed in memory. */
  readonly composed?: SchemaVersion;
  /** The repository whose git history (or accepted baseline) is the baseline; this one unless given. */
  readonly root?: string;
  /** schema/breaking-changes-allowlist.json's entries unless given. */
  readonly allowlist?: readonly AllowlistEntry[];
  readonly stdout?: (line: string) => void;
  readonly stderr?: (line: string) => void;
}

export async function runSchemaCheck(argv: readonly string[], options: SchemaCheckOptions = {}): Promise<number> {
  const out = options.stdout ?? ((line: string) => console.log(line));
  const err = options.stderr ?? ((line: string) => console.error(line));
  const unknown = argv.filter(
    (a) => a !== '--accept' && !a.startsWith('--base=') && !/^--usage-days=[1-9]\d*$/.test(a),
  );
  if (unknown.length) {
    err(
      `usage: npm run schema:check [-- --base=<git ref>] [--accept] [--usage-days=N] (unknown: ${unknown.join(' ')})`,
    );
    return 2;
  }
  const ref = argv.find((a) => a.startsWith('--base='))?.slice('--base='.length);
  const days = Number(
    argv.find((a) => a.startsWith('--usage-days='))?.slice('--usage-days='.length) ?? DEFAULT_USAGE_DAYS,
  );
  const root = options.root ?? REPO_ROOT;
  const composed = options.composed ?? (await composeSupergraph());
  const known = knownUsage({ days, database: options.usageDatabase, warn: err });
  const review = await reviewSchema(composed, {
    ref,
    root,
    usage: known.usage,
    allowlist: options.allowlist,
  }).finally(() => known.close());
  if (!review.baseline) {
    out('No baseline: git has no committed schema/api.graphql and none was accepted (--accept writes one).');
  } else {
    out(`API schema against ${review.baseline.source}: ${review.changes.length} change(s).`);
    for (const c of review.changes)
      out(`  ${c.kind}${c.breaking ? ' (breaking)' : ''} ${c.coordinate} (owner ${c.owner}): ${c.message}`);
    if (review.breaking.length) out(`Known use: ${known.known()}.`);
    for (const c of review.breaking.filter((b) => b.allowed))
      out(`Allowed by the allow-list: ${describeBreakingChange(c)}`);
    for (const c of review.unused) err(`Warning, unused breaking change: ${describeBreakingChange(c)}`);
    if (review.refused.length) {
      err(
        `Refused: ${review.refused.length} breaking change(s):\n${review.refused.map((c) => `  ${describeBreakingChange(c)}`).join('\n')}`,
      );
      return 1;
    }
  }
  if (argv.includes('--accept')) out(`Accepted as the baseline: ${acceptBaseline(composed, root)}`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await runSchemaCheck(process.argv.slice(2));
}

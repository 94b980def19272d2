// npm run schema:check [-- --base=<git ref>] [--accept]
// Composes the graph in memory (writing nothing) and compares its API schema with the baseline: the
// last committed one (git HEAD, or --base), or where git has none the one `--accept` wrote. Lists
// every change a client can notice with its owner, and every breaking change with the clients known
// to use it (the checked-in operations in schema/operations); exits 1 on a breaking change the
// allow-list (schema/breaking-changes-allowlist.json) does not accept. --accept then writes the
// composed schema as the baseline, and only when nothing is refused.
import { composeSupergraph } from '../gateway/src/composition.js';
import { acceptBaseline, describeBreakingChange, reviewSchema } from '../gateway/src/governance.js';

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--accept' && !a.startsWith('--base='));
if (unknown.length) {
  console.error(`usage: npm run schema:check [-- --base=<git ref>] [--accept] (unknown: ${unknown.join(' ')})`);
  process.exit(2);
}
const ref = args.find((a) => a.startsWith('--base='))?.slice('--base='.length);
const result = await composeSupergraph();
const review = await reviewSchema(result, { ref });
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

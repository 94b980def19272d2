import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { writeClientRelease } from './client-version.js';
import { composedSummary, composeSupergraph, staleFiles } from './composition.js';
import { REPO_ROOT, SUPERGRAPH_PATH } from './config.js';
import {
  API_SCHEMA_PATH,
  acceptBaseline,
  CHANGELOG_PATH,
  composedChangelog,
  describeBreakingChange,
  INTROSPECTION_PATH,
  reviewSchema,
} from './governance.js';
import { OWNERSHIP_PATH, ownershipDocument } from './ownership.js';
import { DEFAULT_USAGE_DAYS } from './usage.js';
import { knownUsage } from './usage-database.js';

// npm run compose            prints every subgraph's SDL, composes schema/supergraph.graphql and
//                            writes the API schema and its introspection for frontends, refusing a
//                            breaking change a known client uses (the checked-in operations, and the
//                            clients the gateway recorded in the last 30 days where a usage database is
//                            reachable, as schema:check) that schema/breaking-changes-allowlist.json
//                            does not list (an unused one passes with a warning),
//                            adds the change to schema/CHANGELOG.md, regenerates the typed client
//                            (packages/client) from the new API schema and sets the client's version
//                            (client-version.ts). Breaking means breaking against the last committed
//                            API schema (git HEAD), never against what the last compose wrote:
//                            reverting uncommitted work is never refused.
// npm run compose -- --accept  also makes the result the baseline used where git has none (schema/baseline/)
// npm run compose -- --check   fails (exit 1) when a checked-in file is stale
const check = process.argv.includes('--check');
const accept = process.argv.includes('--accept');
const result = await composeSupergraph();
for (const hint of result.hints) console.warn(`hint ${hint}`);
if (check) {
  const stale = await staleFiles(result);
  if (stale.length) {
    console.error(`Stale schema files (run npm run compose): ${stale.join(', ')}`);
    process.exit(1);
  }
  console.log('Subgraph SDL, supergraph, API schema, introspection and changelog are current.');
} else {
  // Who uses a changed field: the checked-in operations, and the clients the gateway recorded (as
  // schema:check reads them), the database opened only if a breaking change asks.
  const known = knownUsage({ days: DEFAULT_USAGE_DAYS, warn: (line) => console.warn(line) });
  const review = await reviewSchema(result, { usage: known.usage }).finally(() => known.close());
  if (review.breaking.length) console.warn(`Known use: ${known.known()}.`);
  for (const change of review.breaking.filter((c) => c.allowed))
    console.warn(`allowed breaking change ${change.path}: ${change.message}`);
  for (const change of review.unused) console.warn(`unused breaking change ${describeBreakingChange(change)}`);
  if (review.refused.length) {
    console.error(
      `Refusing ${review.refused.length} breaking change(s) against ${review.baseline?.source}; nothing written:\n${review.refused.map((c) => `  ${describeBreakingChange(c)}`).join('\n')}`,
    );
    process.exit(1);
  }
  for (const { path, sdl } of result.subgraphSdl.values()) writeFileSync(path, sdl);
  writeFileSync(SUPERGRAPH_PATH, result.supergraphSdl);
  // kustomize reads files only from inside a kustomization's folder: the base keeps its own copy
  // (infra/tests/k8s.test.ts fails when it differs), so `kubectl apply -k` needs no flag.
  writeFileSync(`${REPO_ROOT}infra/k8s/base/supergraph.graphql`, result.supergraphSdl);
  writeFileSync(API_SCHEMA_PATH, result.apiSdl);
  writeFileSync(INTROSPECTION_PATH, result.introspectionJson);
  writeFileSync(OWNERSHIP_PATH, ownershipDocument(result.supergraphSdl));
  writeFileSync(CHANGELOG_PATH, await composedChangelog(result, review, new Date().toISOString().slice(0, 10)));
  if (accept) console.log(`Accepted the composed schema as the baseline in ${acceptBaseline(result)}`);
  // The client's version follows the API schema (client-version.ts): set here, never bumped by hand.
  const client = writeClientRelease(result.apiSdl, review);
  console.log(
    client.step
      ? `@nhs-hub/client ${client.release.version} (${client.step}, from ${client.from}): its version follows the API schema`
      : `@nhs-hub/client ${client.release.version}: the API schema is the committed one`,
  );
  // The client's types derive from the API schema: a field added or a description changed reaches
  // them in the same step, so a data engineer never meets a stale-codegen failure after compose.
  execFileSync('npm', ['run', '--silent', 'codegen', '-w', '@nhs-hub/client'], { cwd: REPO_ROOT, stdio: 'inherit' });
  console.log(composedSummary(result.subgraphSdl.size));
}

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { composeSupergraph, staleFiles } from './composition.js';
import { REPO_ROOT, SUPERGRAPH_PATH } from './config.js';
import {
  API_SCHEMA_PATH,
  breakingChanges,
  describeBreakingChange,
  INTROSPECTION_PATH,
  readAllowlist,
} from './governance.js';
import { OWNERSHIP_PATH, ownershipDocument } from './ownership.js';

// npm run compose            prints every subgraph's SDL, composes schema/supergraph.graphql and
//                            writes the API schema and its introspection for frontends, refusing a
//                            breaking change that schema/breaking-changes-allowlist.json does not list
//                            and regenerates the typed client (packages/client) from the new API schema
// npm run compose -- --check fails (exit 1) when a checked-in file is stale
const check = process.argv.includes('--check');
const result = await composeSupergraph();
for (const hint of result.hints) console.warn(`hint ${hint}`);
const relative = (path: string) => path.replace(REPO_ROOT, '');
if (check) {
  const stale = staleFiles(result);
  if (stale.length) {
    console.error(`Stale schema files (run npm run compose): ${stale.join(', ')}`);
    process.exit(1);
  }
  console.log('Subgraph SDL, supergraph, API schema and introspection are current.');
} else {
  if (existsSync(API_SCHEMA_PATH)) {
    const changes = await breakingChanges(readFileSync(API_SCHEMA_PATH, 'utf8'), result.apiSdl, {
      supergraphSdl: result.supergraphSdl,
      baselineSupergraphSdl: readFileSync(SUPERGRAPH_PATH, 'utf8'),
      allowlist: readAllowlist(),
    });
    for (const change of changes.filter((c) => c.allowed))
      console.warn(`allowed breaking change ${change.path}: ${change.message}`);
    const refused = changes.filter((c) => !c.allowed);
    if (refused.length) {
      console.error(
        `Refusing ${refused.length} breaking change(s); nothing written:\n${refused.map((c) => `  ${describeBreakingChange(c)}`).join('\n')}`,
      );
      process.exit(1);
    }
  }
  for (const { path, sdl } of result.subgraphSdl.values()) writeFileSync(path, sdl);
  writeFileSync(SUPERGRAPH_PATH, result.supergraphSdl);
  // kustomize reads files only from inside a kustomization's folder: the base keeps its own copy
  // (infra/tests/k8s.test.ts fails when it differs), so `kubectl apply -k` needs no flag.
  writeFileSync(`${REPO_ROOT}infra/k8s/base/supergraph.graphql`, result.supergraphSdl);
  writeFileSync(API_SCHEMA_PATH, result.apiSdl);
  writeFileSync(INTROSPECTION_PATH, result.introspectionJson);
  writeFileSync(OWNERSHIP_PATH, ownershipDocument(result.supergraphSdl));
  // The client's types derive from the API schema: a field added or a description changed reaches
  // them in the same step, so a data engineer never meets a stale-codegen failure after compose.
  execFileSync('npm', ['run', '--silent', 'codegen', '-w', '@nhs-hub/client'], { cwd: REPO_ROOT, stdio: 'inherit' });
  console.log(
    `Composed ${result.subgraphSdl.size} subgraph(s) into ${relative(SUPERGRAPH_PATH)}; API schema in ${relative(API_SCHEMA_PATH)}, introspection in ${relative(INTROSPECTION_PATH)}, ownership table in ${relative(OWNERSHIP_PATH)}, typed client in packages/client/src/generated/`,
  );
}

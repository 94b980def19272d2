import { writeFileSync } from 'node:fs';
import { composeSupergraph, staleFiles } from './composition.js';
import { REPO_ROOT, SUPERGRAPH_PATH } from './config.js';

// npm run compose            prints every subgraph's SDL and writes schema/supergraph.graphql
// npm run compose -- --check fails (exit 1) when a checked-in file is stale
const check = process.argv.includes('--check');
const result = await composeSupergraph();
for (const hint of result.hints) console.warn(`hint ${hint}`);
if (check) {
  const stale = staleFiles(result);
  if (stale.length) {
    console.error(`Stale schema files (run npm run compose): ${stale.join(', ')}`);
    process.exit(1);
  }
  console.log('Subgraph SDL and supergraph are current.');
} else {
  for (const { path, sdl } of result.subgraphSdl.values()) writeFileSync(path, sdl);
  writeFileSync(SUPERGRAPH_PATH, result.supergraphSdl);
  console.log(`Composed ${result.subgraphSdl.size} subgraph(s) into ${SUPERGRAPH_PATH.replace(REPO_ROOT, '')}`);
}

// npm run publish:references [-- --check]
// Writes schema/reference-lists.json: the keys each subgraph publishes (SubgraphDefinition.publishes,
// from its data files), which loads check other subgraphs' references against (an STP code must be
// one geography knows). --check fails, writing nothing, when the file is not what it would write.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REFERENCE_LISTS_PATH, renderReferenceLists } from '@nhs-hub/kit/subgraph';
import { loadSubgraph, readGraphConfig } from '../gateway/src/config.js';

/** The file as it should be now, from every registered subgraph's published keys. */
export async function referenceListsText(): Promise<string> {
  const published: Record<string, { owner: string; keys: readonly string[] }> = {};
  for (const entry of readGraphConfig()) {
    const definition = await loadSubgraph(entry);
    for (const [name, keys] of Object.entries(definition.publishes?.() ?? {})) {
      const owner = published[name]?.owner;
      if (owner) throw new Error(`Reference list '${name}' is published by both ${owner} and ${entry.name}`);
      published[name] = { owner: entry.name, keys };
    }
  }
  return renderReferenceLists(published);
}

export async function runPublishReferences(argv: readonly string[]): Promise<number> {
  const text = await referenceListsText();
  let current = '';
  try {
    current = readFileSync(REFERENCE_LISTS_PATH, 'utf8');
  } catch {
    // Not written yet.
  }
  if (argv.includes('--check')) {
    if (current === text) return 0;
    console.error('schema/reference-lists.json is stale: run npm run publish:references');
    return 1;
  }
  if (current !== text) writeFileSync(REFERENCE_LISTS_PATH, text);
  console.log(`${current === text ? 'Unchanged' : 'Wrote'} schema/reference-lists.json`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await runPublishReferences(process.argv.slice(2));
}

import { readFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { printSubgraphSdl } from '@nhs-hub/kit';
import { parse } from 'graphql';
import { loadSubgraph, readGraphConfig, REPO_ROOT, SUPERGRAPH_PATH } from './config.js';

export interface CompositionResult {
  subgraphSdl: Map<string, { path: string; sdl: string }>;
  supergraphSdl: string;
  hints: string[];
}

/** Prints every subgraph's SDL from its code and composes the supergraph, in memory. */
export async function composeSupergraph(): Promise<CompositionResult> {
  const entries = readGraphConfig();
  const subgraphSdl = new Map<string, { path: string; sdl: string }>();
  for (const entry of entries) {
    const subgraph = await loadSubgraph(entry);
    subgraphSdl.set(entry.name, { path: REPO_ROOT + entry.sdl, sdl: printSubgraphSdl(subgraph.schema) });
  }
  const result = composeServices(
    entries.map((e) => ({ name: e.name, url: e.url, typeDefs: parse(subgraphSdl.get(e.name)?.sdl ?? '') })),
  );
  if (result.errors) {
    throw new Error(`Composition failed:\n${result.errors.map((e) => `  ${e.message}`).join('\n')}`);
  }
  return {
    subgraphSdl,
    supergraphSdl: `${result.supergraphSdl.trim()}\n`,
    hints: result.hints.map((h) => `${h.definition.code}: ${h.message}`),
  };
}

/** Files whose checked-in content differs from what the code prints now. */
export function staleFiles(result: CompositionResult): string[] {
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return null;
    }
  };
  const stale = [...result.subgraphSdl.values()].filter(({ path, sdl }) => read(path) !== sdl).map(({ path }) => path);
  if (read(SUPERGRAPH_PATH) !== result.supergraphSdl) stale.push(SUPERGRAPH_PATH);
  return stale.map((p) => p.replace(REPO_ROOT, ''));
}

import type { SubgraphDefinition } from '@nhs-hub/kit/subgraph';
import { GRAPH_CONFIG_PATH, REPO_ROOT, readGraphConfig, type SubgraphEntry } from '@nhs-hub/kit/repo';

// The repository's root and its one list of subgraphs are the kit's; re-exported for the gateway's modules.
export { GRAPH_CONFIG_PATH as CONFIG_PATH, REPO_ROOT, readGraphConfig, type SubgraphEntry };
export const SUPERGRAPH_PATH = `${REPO_ROOT}schema/supergraph.graphql`;

type SubgraphModule = { subgraph?: SubgraphDefinition<unknown> };

/**
 * Subgraph packages a production bundle carries (scripts/bundle.ts registers them before the hub
 * starts): a bundler cannot follow `import(entry.package)`, whose name comes from schema/subgraphs.json.
 */
export const BUNDLED_SUBGRAPHS_KEY = 'nhs-hub.bundled-subgraphs';
const BUNDLED_SUBGRAPHS = Symbol.for(BUNDLED_SUBGRAPHS_KEY);

/** Loads a subgraph's definition from its workspace package (`export const subgraph`). */
export async function loadSubgraph(entry: SubgraphEntry): Promise<SubgraphDefinition<unknown>> {
  const bundled = (globalThis as { [BUNDLED_SUBGRAPHS]?: Record<string, SubgraphModule> })[BUNDLED_SUBGRAPHS];
  const module = bundled?.[entry.package] ?? ((await import(entry.package)) as SubgraphModule);
  if (!module.subgraph) throw new Error(`${entry.package} does not export \`subgraph\``);
  if (module.subgraph.name !== entry.name) {
    throw new Error(
      `${entry.package} exports subgraph '${module.subgraph.name}', but schema/subgraphs.json calls it '${entry.name}'`,
    );
  }
  return module.subgraph;
}

/** Every configured subgraph's definition, in config order. */
export async function loadAllSubgraphs(): Promise<SubgraphDefinition<unknown>[]> {
  return Promise.all(readGraphConfig().map(loadSubgraph));
}

import type { SubgraphDefinition } from '@nhs-hub/kit/subgraph';
import { GRAPH_CONFIG_PATH, REPO_ROOT, readGraphConfig, type SubgraphEntry } from '@nhs-hub/kit/repo';

// The repository's root and its one list of subgraphs are the kit's; re-exported for the gateway's modules.
export { GRAPH_CONFIG_PATH as CONFIG_PATH, REPO_ROOT, readGraphConfig, type SubgraphEntry };
export const SUPERGRAPH_PATH = `${REPO_ROOT}schema/supergraph.graphql`;

/** Loads a subgraph's definition from its workspace package (`export const subgraph`). */
export async function loadSubgraph(entry: SubgraphEntry): Promise<SubgraphDefinition<unknown>> {
  const module = (await import(entry.package)) as { subgraph?: SubgraphDefinition<unknown> };
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

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SubgraphDefinition } from '@nhs-hub/kit';
import { z } from 'zod';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CONFIG_PATH = `${REPO_ROOT}schema/subgraphs.json`;
export const SUPERGRAPH_PATH = `${REPO_ROOT}schema/supergraph.graphql`;

const SubgraphEntry = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'lower-case letters, digits and _'),
  url: z.url(),
  sdl: z.string().endsWith('.graphql'),
  package: z.string().startsWith('@nhs-hub/'),
});
const GraphConfig = z.object({ subgraphs: z.array(SubgraphEntry).min(1) });

export type SubgraphEntry = z.infer<typeof SubgraphEntry>;

export function readGraphConfig(path: string = CONFIG_PATH): SubgraphEntry[] {
  const parsed = GraphConfig.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`Invalid ${path}: ${z.prettifyError(parsed.error)}`);
  const names = parsed.data.subgraphs.map((s) => s.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new Error(`Invalid ${path}: subgraph '${duplicate}' is listed twice`);
  return parsed.data.subgraphs;
}

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

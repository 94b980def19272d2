import { readFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { printSubgraphSdl } from '@nhs-hub/kit/subgraph';
import { printSchema, Supergraph } from '@apollo/federation-internals';
import { buildSchema, introspectionFromSchema, parse } from 'graphql';
import { loadSubgraph, readGraphConfig, REPO_ROOT, SUPERGRAPH_PATH } from './config.js';
import { API_SCHEMA_PATH, CHANGELOG_PATH, changelogProblem, INTROSPECTION_PATH } from './governance.js';
import { OWNERSHIP_PATH, ownershipDocument } from './ownership.js';

export interface CompositionResult {
  subgraphSdl: Map<string, { path: string; sdl: string }>;
  supergraphSdl: string;
  /** What clients see: the supergraph without federation's internals (schema/api.graphql). */
  apiSdl: string;
  /** The API schema's introspection result, for frontend codegen (schema/introspection.json). */
  introspectionJson: string;
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
  const supergraphSdl = `${result.supergraphSdl.trim()}\n`;
  const apiSdl = `${printSchema(Supergraph.build(supergraphSdl).apiSchema()).trim()}\n`;
  return {
    subgraphSdl,
    supergraphSdl,
    apiSdl,
    introspectionJson: `${JSON.stringify(introspectionFromSchema(buildSchema(apiSdl)), null, 2)}\n`,
    hints: result.hints.map((h) => `${h.definition.code}: ${h.message}`),
  };
}

/** What `npm run compose` says it wrote (docs quote it). */
export function composedSummary(subgraphs: number): string {
  const relative = (path: string) => path.replace(REPO_ROOT, '');
  return `Composed ${subgraphs} subgraph(s) into ${relative(SUPERGRAPH_PATH)}; API schema in ${relative(API_SCHEMA_PATH)}, introspection in ${relative(INTROSPECTION_PATH)}, ownership table in ${relative(OWNERSHIP_PATH)}, changes in ${relative(CHANGELOG_PATH)}, typed client in packages/client/src/generated/`;
}

/** Files whose checked-in content differs from what the code prints now. */
export async function staleFiles(result: CompositionResult): Promise<string[]> {
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return null;
    }
  };
  const stale = [...result.subgraphSdl.values()].filter(({ path, sdl }) => read(path) !== sdl).map(({ path }) => path);
  if (read(SUPERGRAPH_PATH) !== result.supergraphSdl) stale.push(SUPERGRAPH_PATH);
  if (read(API_SCHEMA_PATH) !== result.apiSdl) stale.push(API_SCHEMA_PATH);
  if (read(INTROSPECTION_PATH) !== result.introspectionJson) stale.push(INTROSPECTION_PATH);
  if (read(OWNERSHIP_PATH) !== ownershipDocument(result.supergraphSdl)) stale.push(OWNERSHIP_PATH);
  // Its entries are dated when composed: current means its newest entry is this API schema's and
  // every entry git can check is what compose writes of it today.
  if (await changelogProblem(read(CHANGELOG_PATH), result)) stale.push(CHANGELOG_PATH);
  return stale.map((p) => p.replace(REPO_ROOT, ''));
}

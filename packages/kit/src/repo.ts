import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * The repository root, with a trailing slash. Computed here alone: this file sits at the same depth
 * under packages/kit in src/ and in dist/, so the answer holds for sources and compiled code alike.
 * Dependency-light (fs, zod) so scripts, benches and infra can import `@nhs-hub/kit/repo` cheaply.
 */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The one list of subgraphs (name, development URL and port, printed SDL, workspace package). */
export const GRAPH_CONFIG_PATH = `${REPO_ROOT}schema/subgraphs.json`;

const SubgraphEntrySchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'lower-case letters, digits and _'),
  url: z.url(),
  sdl: z.string().endsWith('.graphql'),
  package: z.string().startsWith('@nhs-hub/'),
  /**
   * false for a subgraph that owns no tables and reads the data subgraphs over HTTP (releases): it
   * has no migrations, seed nor data folder, and is none of the subgraphs whose changes it reads.
   */
  data: z.boolean().optional(),
});
const GraphConfigSchema = z.object({
  /** Where the gateway listens when started without PORT (npm start, a standalone gateway, the manifests). */
  gateway: z.object({ url: z.url() }),
  subgraphs: z.array(SubgraphEntrySchema).min(1),
});

export type SubgraphEntry = z.infer<typeof SubgraphEntrySchema>;

function readConfig(path: string): z.infer<typeof GraphConfigSchema> {
  const parsed = GraphConfigSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`Invalid ${path}: ${z.prettifyError(parsed.error)}`);
  const names = parsed.data.subgraphs.map((s) => s.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new Error(`Invalid ${path}: subgraph '${duplicate}' is listed twice`);
  return parsed.data;
}

export function readGraphConfig(path: string = GRAPH_CONFIG_PATH): SubgraphEntry[] {
  return readConfig(path).subgraphs;
}

/** The subgraphs that own data (tables, releases): every entry but those marked `"data": false`. */
export function readDataSubgraphs(path: string = GRAPH_CONFIG_PATH): SubgraphEntry[] {
  return readGraphConfig(path).filter((entry) => entry.data !== false);
}

/** The gateway's configured port (schema/subgraphs.json, `gateway.url`): where it listens without PORT. */
export function gatewayPort(path: string = GRAPH_CONFIG_PATH): number {
  return portOf(readConfig(path).gateway);
}

/**
 * The production bundle of an entry point, relative to the repository root (and to the image's
 * /app): `hub` (`npm start`), `gateway`, or a subgraph's name. scripts/bundle.ts writes them.
 */
export const bundleScript = (entry: string): string => `dist/${entry}.mjs`;

/**
 * Node flags `npm start` runs the hub with (package.json's start script), for whatever starts it the
 * same way (the benches). `--liftoff-only`: embedded PGlite is WebAssembly, and on Node 24 V8's
 * optimising tier-up of its largest functions takes the process from about 300 MB to 800 MB at
 * start (peak RSS, measured 2026-12-07: 808 MB against 233 MB with the flag; Node 20 peaked at 314
 * MB), while 10 s of StpOverview at 10 clients answered no slower on Liftoff's code (244 against
 * 178 req/s, the optimiser's compiling included). On PostgreSQL the hub runs no WebAssembly.
 */
export const HUB_NODE_FLAGS = ['--liftoff-only'] as const;

/** The port in a subgraph's configured URL: where it listens when started on its own without PORT. */
export function portOf(entry: Pick<SubgraphEntry, 'url'>): number {
  const url = new URL(entry.url);
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

/** The configured port of subgraph `name`, or undefined when schema/subgraphs.json does not list it. */
export function subgraphPort(name: string, path: string = GRAPH_CONFIG_PATH): number | undefined {
  const entry = readGraphConfig(path).find((e) => e.name === name);
  return entry ? portOf(entry) : undefined;
}

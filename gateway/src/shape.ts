import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { REPO_ROOT } from './config.js';

/**
 * The shape every subgraph has, and the scaffold makes: one list, so a subgraph (or the template)
 * cannot drift from the others without shape.test.ts saying which file is missing or out of place
 * (docs/adding-a-subgraph.md describes each).
 */
export const REQUIRED = [
  'src/builder.ts', // the Pothos builder from the kit, typed by the subgraph's database
  'src/index.ts', // export const subgraph: how the hub, the tests and npm run load find it
  'src/server.ts', // the subgraph on its own port (what a deployment runs)
  'src/sdl.test.ts', // the printed SDL against schema.graphql
  'src/schema/index.ts', // imports every type file, builds the schema
  'src/schema/refs.ts', // refs shared by the type files: entities owned elsewhere, refs declared before use
  'src/schema/loaders.ts', // per-request DataLoaders
  'src/etl/index.ts', // every step over the sources, then replaceTables in one transaction
  'src/etl/index.test.ts',
  'src/db/types.ts', // Kysely table types
  'src/db/repository.ts', // reads only
  'src/db/migrations/index.ts',
  'package.json',
  'tsconfig.build.json',
  'vitest.config.ts',
  'schema.graphql',
] as const;

/** What src/ may hold besides those: domain/ is for rules both schema/ and etl/ use (no database, no GraphQL). */
export const SRC_ENTRIES = new Set<string>([
  'builder.ts',
  'index.ts',
  'server.ts',
  'sdl.test.ts',
  'schema',
  'etl',
  'db',
  'domain',
]);
/**
 * A subgraph marked `"data": false` in schema/subgraphs.json (releases) owns no tables: it has no
 * db/, etl/, data/ nor loaders, and reads the data subgraphs' routes in peers/ instead of a database.
 */
export const DATALESS_REQUIRED: readonly string[] = REQUIRED.filter(
  (file) => !file.startsWith('src/etl/') && !file.startsWith('src/db/') && file !== 'src/schema/loaders.ts',
);
export const DATALESS_SRC_ENTRIES = new Set<string>([
  'builder.ts',
  'index.ts',
  'server.ts',
  'sdl.test.ts',
  'schema',
  'domain',
  'peers',
]);

/** db/ reads and migrates, nothing else: turning sources into rows is etl/'s. */
export const DB_ENTRIES = new Set<string>(['types.ts', 'repository.ts', 'migrations']);

/**
 * The Markdown files of the repository (README, docs/, each folder's README) that mention `word`
 * as a word: a test's throw-away subgraph name must be in none, or following a doc (which makes
 * that subgraph for real) would make the test collide with it.
 */
export function docsMentioning(word: string): string[] {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z', '--', '*.md'], {
    cwd: REPO_ROOT,
  })
    .toString()
    .split('\0')
    .filter((file) => file && existsSync(`${REPO_ROOT}${file}`));
  const pattern = new RegExp(`\\b${word}\\b`, 'i');
  return files.filter((file) => pattern.test(readFileSync(`${REPO_ROOT}${file}`, 'utf8')));
}

/**
 * The subgraphs README's table ("What the hub serves") lists, with the ports it gives them: the
 * graph as the docs describe it. A subgraph scaffolded since is in schema/subgraphs.json and not
 * here until someone documents it.
 */
export function readmeSubgraphs(): { name: string; port: number }[] {
  return [
    ...readFileSync(`${REPO_ROOT}README.md`, 'utf8').matchAll(/^\| `services\/([a-z][a-z0-9]*)` \| (\d+) \|/gm),
  ].map((m) => ({ name: m[1] ?? '', port: Number(m[2]) }));
}

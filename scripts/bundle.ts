import { readFile, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { bundleScript, REPO_ROOT, readGraphConfig } from '@nhs-hub/kit/repo';
import { BUNDLED_SUBGRAPHS_KEY } from '../gateway/src/config.js';

/**
 * `npm run build` (after `tsc -b`): the production entry points, each bundled with what it imports
 * into dist/ at the repository root. A process then loads a few dozen files instead of about 3,000
 * (Node's module loader was a third of a start: bench/results/startup-*.md), and each package is
 * loaded once (npm keeps 14 copies of @graphql-tools/utils). Nothing changes in what runs:
 *
 *   node dist/hub.mjs           what `npm start` runs (every subgraph and the gateway in one process)
 *   node dist/gateway.mjs       the gateway alone (the image's default command)
 *   node dist/<subgraph>.mjs    one subgraph; `... migrate` migrates and seeds it, then exits
 *
 * The compiled workspaces (`node gateway/dist/server.js`, ...) stay runnable and are what the tests use.
 */
export const BUNDLE_DIR = join(REPO_ROOT, dirname(bundleScript('hub')));

/**
 * Left to Node at run time: files located beside their package (PGlite's WebAssembly, the query
 * planner's native addon, pino's worker) and a driver probed with try/require (pg-native).
 * Migration files stay files too (migrationsIn reads the folder) and import kysely from disk, but
 * only when one runs; its builders meet the bundled kysely through plain operation nodes.
 */
const EXTERNAL = [
  '@electric-sql/pglite',
  '@electric-sql/pglite/*',
  '@graphql-hive/router-query-planner',
  'pg-native',
  'pino',
  'pino-pretty',
  'thread-stream',
];

/** Every module keeps its own location: data files, migrations and the repository root are found from it. */
const keepModuleLocations: esbuild.Plugin = {
  name: 'keep-module-locations',
  setup(build) {
    build.onLoad({ filter: /\.(m|c)?js$/ }, async ({ path }) => {
      let contents = await readFile(path, 'utf8');
      const file = relative(BUNDLE_DIR, path);
      const url = `new URL(${JSON.stringify(file)}, __bundleUrl).href`;
      if (contents.includes('import.meta.url')) contents = contents.replaceAll('import.meta.url', url);
      // CommonJS modules (ioredis builds error stacks and finds its package.json from __dirname).
      if (/\b__(dirname|filename)\b/.test(contents)) {
        contents = `var __filename = require('node:url').fileURLToPath(${url}), __dirname = require('node:path').dirname(__filename);\n${contents}`;
      }
      return { contents, loader: 'js' };
    });
  },
};

/** The hub entry: the subgraph packages `npm start` loads by name (schema/subgraphs.json), registered up front. */
function hubEntry(): string {
  const subgraphs = readGraphConfig();
  return [
    ...subgraphs.map((s, i) => `import * as subgraph${i} from ${JSON.stringify(s.package)};`),
    `globalThis[Symbol.for(${JSON.stringify(BUNDLED_SUBGRAPHS_KEY)})] = {${subgraphs.map((s, i) => `${JSON.stringify(s.package)}: subgraph${i}`).join(', ')}};`,
    `await import(${JSON.stringify(join(REPO_ROOT, 'gateway/dist/hub.js'))});`,
  ].join('\n');
}

const virtualHub: esbuild.Plugin = {
  name: 'hub-entry',
  setup(build) {
    build.onResolve({ filter: /^nhs-hub:hub$/ }, () => ({ path: 'hub', namespace: 'nhs-hub' }));
    build.onLoad({ filter: /.*/, namespace: 'nhs-hub' }, () => ({
      contents: hubEntry(),
      resolveDir: REPO_ROOT,
      loader: 'js',
    }));
  },
};

type LockPackages = Record<string, { dev?: boolean; devOptional?: boolean }>;

/**
 * The development-only packages (`npm ci --omit=dev` leaves them out of the image) among a bundle's
 * inputs, by their lock-file key (`node_modules/a/node_modules/@b/c`). Bundled, such an import would
 * run in the image although the image could never have installed it: a missing `dependencies` entry.
 */
export function devOnlyImports(inputs: readonly string[], lockPackages: LockPackages): string[] {
  const keys = inputs.map((input) => input.match(/^(.*node_modules\/(?:@[^/]+\/)?[^/]+)/)?.[1]);
  return [...new Set(keys)].filter(
    (key): key is string => key !== undefined && Boolean(lockPackages[key]?.dev || lockPackages[key]?.devOptional),
  );
}

export async function bundle(): Promise<esbuild.Metafile> {
  await rm(BUNDLE_DIR, { recursive: true, force: true });
  const entryPoints: Record<string, string> = {
    hub: 'nhs-hub:hub',
    gateway: join(REPO_ROOT, 'gateway/dist/server.js'),
  };
  for (const s of readGraphConfig()) entryPoints[s.name] = join(REPO_ROOT, dirname(s.sdl), 'dist/server.js');
  const result = await esbuild.build({
    entryPoints,
    outdir: BUNDLE_DIR,
    outExtension: { '.js': '.mjs' },
    absWorkingDir: REPO_ROOT,
    bundle: true,
    // Shared code in shared chunks; what loads lazily (GraphiQL, the OpenTelemetry SDK) stays lazy.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: EXTERNAL,
    // Smaller files parse faster; names stay, so stack traces still read.
    minifyWhitespace: true,
    minifySyntax: true,
    // CommonJS packages inside an ES module bundle still call require() for Node's own modules.
    banner: {
      js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url); const __bundleUrl = import.meta.url;",
    },
    plugins: [virtualHub, keepModuleLocations],
    metafile: true,
    logLevel: 'warning',
  });
  const lock = JSON.parse(await readFile(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: LockPackages };
  const shipped = devOnlyImports(Object.keys(result.metafile.inputs), lock.packages);
  if (shipped.length) {
    throw new Error(
      `The production bundle imports development-only packages (move them to "dependencies"): ${shipped.join(', ')}`,
    );
  }
  return result.metafile;
}

if (resolve(process.argv[1] ?? '') === resolve(new URL(import.meta.url).pathname)) {
  const started = performance.now();
  const metafile = await bundle();
  const entries = ['hub', 'gateway', ...readGraphConfig().map((s) => s.name)].map(bundleScript);
  console.log(
    `Bundled ${entries.join(', ')} (and ${Object.keys(metafile.outputs).length - entries.length} shared chunks) from ${Object.keys(metafile.inputs).length} modules in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

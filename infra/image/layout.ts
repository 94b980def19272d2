import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '@nhs-hub/kit/repo';

/**
 * What the production image holds besides node_modules: the lock file and every workspace's
 * package.json (so `npm ci --omit=dev` installs exactly the locked runtime dependencies), each
 * workspace's compiled dist/ and data/ (the bundles in the root dist/ read migrations, data files and
 * export documents from there), the subgraph list and supergraph, and the source documents
 * citations are checked against at seed time. No sources, no tests, no tooling.
 *
 * The Dockerfile's build stage runs this to assemble /out, and infra/tests/image.test.ts runs the
 * same function to build the same tree from a clean checkout: one definition of the image's content.
 */
export { REPO_ROOT };

const TOP_LEVEL = [
  // The production bundles (scripts/bundle.ts): what every container command runs.
  'dist',
  'package.json',
  'package-lock.json',
  '.npmrc',
  'schema/subgraphs.json',
  'schema/supergraph.graphql',
  'schema/operations',
  // The trusted documents a gateway registers by default (HUB_TRUSTED_DOCUMENTS=on).
  'packages/client/src/generated/persisted-documents.json',
  'infra/sources',
];
/** Per workspace: dist/ only where it is built; data/ where the workspace has one. */
const PER_WORKSPACE = ['package.json', 'dist', 'data'];
/** Build bookkeeping and declarations nobody reads at run time. */
const SKIPPED = (path: string) => path.endsWith('.tsbuildinfo') || path.endsWith('.d.ts');

/** Workspace folders, from the root package.json's `workspaces` globs (`dir/*` or a plain folder). */
export function workspaceDirs(root: string = REPO_ROOT): string[] {
  const { workspaces } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] };
  return workspaces.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return existsSync(join(root, pattern, 'package.json')) ? [pattern] : [];
    const parent = pattern.slice(0, -2);
    return readdirSync(join(root, parent))
      .sort()
      .map((name) => `${parent}/${name}`)
      .filter((dir) => existsSync(join(root, dir, 'package.json')));
  });
}

export interface LayoutOptions {
  /**
   * Files eligible besides dist/ (repository-relative), e.g. what `git ls-files` lists: a clean
   * checkout holds nothing else. Without it, whatever is on disk (the Docker context already
   * went through .dockerignore).
   */
  readonly tracked?: ReadonlySet<string>;
}

/** Copies the runtime tree from `from` to `to`; returns the repository-relative files copied. */
export function copyRuntimeLayout(from: string, to: string, options: LayoutOptions = {}): string[] {
  const copied: string[] = [];
  const wanted = [
    ...TOP_LEVEL,
    ...workspaceDirs(from).flatMap((dir) => PER_WORKSPACE.map((entry) => `${dir}/${entry}`)),
  ];
  for (const entry of wanted) {
    for (const file of listFiles(join(from, entry))) {
      const rel = relative(from, file);
      if (SKIPPED(rel)) continue;
      const built = rel.split('/').includes('dist');
      if (!built && options.tracked && !options.tracked.has(rel)) continue;
      mkdirSync(dirname(join(to, rel)), { recursive: true });
      cpSync(file, join(to, rel));
      copied.push(rel);
    }
  }
  return copied;
}

function listFiles(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => listFiles(join(path, name)));
}

// node --import tsx infra/image/layout.ts <from> <to>   (the Dockerfile's build stage)
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [from, to] = process.argv.slice(2);
  if (!from || !to) {
    console.error('Usage: layout.ts <repository> <output folder>');
    process.exit(2);
  }
  const files = copyRuntimeLayout(resolve(from), resolve(to));
  const compiled = workspaceDirs(resolve(from)).filter((dir) =>
    existsSync(join(resolve(from), dir, 'tsconfig.build.json')),
  );
  const missing = [...compiled, '.'].filter(
    (dir) => !files.some((f) => f.startsWith(dir === '.' ? 'dist/' : `${dir}/dist/`)),
  );
  if (missing.length) {
    console.error(`Not built (run npm run build): ${missing.join(', ')}`);
    process.exit(1);
  }
  console.log(`Runtime layout: ${files.length} files in ${to}`);
}

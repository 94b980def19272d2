import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './config.js';

/**
 * For tests that follow a doc or run a tool on the whole repository without touching this one: a
 * copy at `root` of every file git tracks or would (uncommitted work included), node_modules as
 * links to the real one's entries, and @nhs-hub/* linked to the copy's own workspaces, as
 * `npm install` links them. Committed as one commit when `commit` is set, so git HEAD (the schema
 * baseline) is the repository as it is, and biome finds its VCS root.
 */
export function copyRepository(root: string, options: { commit?: boolean } = {}): void {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: REPO_ROOT,
  })
    .toString()
    .split('\0')
    .filter((file) => file && existsSync(join(REPO_ROOT, file)));
  for (const file of files) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    copyFileSync(join(REPO_ROOT, file), join(root, file));
  }
  const modules = join(REPO_ROOT, 'node_modules');
  mkdirSync(join(root, 'node_modules', '@nhs-hub'), { recursive: true });
  for (const entry of readdirSync(modules).filter((e) => e !== '@nhs-hub'))
    symlinkSync(join(modules, entry), join(root, 'node_modules', entry));
  const { workspaces } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] };
  const dirs = workspaces.flatMap((pattern) =>
    pattern.endsWith('/*')
      ? readdirSync(join(root, pattern.slice(0, -2))).map((entry) => `${pattern.slice(0, -2)}/${entry}`)
      : [pattern],
  );
  for (const dir of dirs.filter((d) => existsSync(join(root, d, 'package.json')))) {
    const { name } = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { name: string };
    symlinkSync(join(root, dir), join(root, 'node_modules', name));
    // A workspace's own node_modules (a dependency in a version the root does not hoist).
    if (existsSync(join(REPO_ROOT, dir, 'node_modules')))
      symlinkSync(join(REPO_ROOT, dir, 'node_modules'), join(root, dir, 'node_modules'));
  }
  if (!options.commit) return;
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.org', ...args], {
      cwd: root,
      stdio: 'ignore',
    });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'the repository as it was copied');
}

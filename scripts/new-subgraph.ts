// npm run new:subgraph -- <name>
// Creates services/<name>/ from the kit's template (builder, one example entity extending Stp,
// dated migration, data file with a cited example row, loadable table, loaders, server, tests),
// registers it in schema/subgraphs.json, links the workspace and recomposes the supergraph.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_PATH, readGraphConfig, REPO_ROOT, SUPERGRAPH_PATH } from '../gateway/src/config.js';
import { nextFreePort, registerBuild, registerSubgraph, renderSubgraph, validateName } from './scaffold.js';

const args = process.argv.slice(2);
const name = args[0] ?? '';
const entries = readGraphConfig();
const problem =
  name && args.length === 1
    ? validateName(
        name,
        REPO_ROOT,
        entries.map((e) => e.name),
        readFileSync(SUPERGRAPH_PATH, 'utf8'),
      )
    : 'usage: npm run new:subgraph -- <name>';
if (problem) {
  console.error(problem);
  process.exit(2);
}
const port = nextFreePort(entries.map((e) => e.url));
const files = renderSubgraph({ name, root: REPO_ROOT, port });
console.log(`Created services/${name}/ (${files.length} files), port ${port}:`);
for (const file of files) console.log(`  ${file}`);
const previousConfig = registerSubgraph(CONFIG_PATH, name, port);
console.log(`Registered ${name} in schema/subgraphs.json`);
const BUILD_CONFIG = join(REPO_ROOT, 'tsconfig.build.json');
const previousBuild = readFileSync(BUILD_CONFIG, 'utf8');
registerBuild(BUILD_CONFIG, name);

const run = (command: string, commandArgs: string[]) =>
  execFileSync(command, commandArgs, { cwd: REPO_ROOT, stdio: 'inherit' });
try {
  // The template is formatted for one name's length (workforce's); a shorter or longer name moves
  // where lines break, so the new files are formatted as biome ci (npm test) will check them.
  run('npx', ['biome', 'format', '--write', join('services', name)]);
  // Links @nhs-hub/<name> into node_modules and records the workspace in package-lock.json.
  run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund']);
  // Prints the new SDL and recomposes; refuses (and writes nothing) if the graph would not compose.
  run('npm', ['run', 'compose']);
  // Its Deployment, Service, PDB, autoscaler, migrate Job, database role and schema.
  run('npm', ['run', 'k8s:generate', '-w', '@nhs-hub/infra']);
} catch {
  // Half a subgraph must not stay registered: schema/subgraphs.json is what npm test and npm start read.
  rmSync(join(REPO_ROOT, 'services', name), { recursive: true, force: true });
  writeFileSync(CONFIG_PATH, previousConfig);
  writeFileSync(BUILD_CONFIG, previousBuild);
  try {
    run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund']);
  } catch {
    // The link is all that is left to undo; `npm install` by hand does it.
  }
  console.error(
    `\nScaffolding ${name} failed (output above); services/${name}/ and its schema/subgraphs.json entry were removed.`,
  );
  process.exit(1);
}
const next: [string, string][] = [
  [`npm test -w @nhs-hub/${name}`, 'its own tests (seed, gateway, SDL)'],
  [`edit services/${name}/data/${name}-facts.csv`, 'and data/README.md: the facts your sources state'],
  ['npm run compose', 'after any schema change; npm test checks it is current'],
  ['npm run build && npm start', `serves it on port ${port} with the rest of the hub`],
  ['infra/README.md', 'create its database Secret and apply roles.sql before deploying it'],
];
const width = Math.max(...next.map(([command]) => command.length)) + 2;
console.log(`\nNext:\n${next.map(([command, why]) => `  ${command.padEnd(width)}${why}`).join('\n')}`);

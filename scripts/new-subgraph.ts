// npm run new:subgraph -- <name>
// Creates services/<name>/ from the kit's template (builder, one example entity extending Stp,
// dated migration, data file with a cited example row, loadable table, loaders, server, tests),
// registers it in schema/subgraphs.json, links the workspace and recomposes the supergraph.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { CONFIG_PATH, readGraphConfig, REPO_ROOT } from '../gateway/src/config.js';
import { renderSubgraph, validateName } from './scaffold.js';

const name = process.argv[2] ?? '';
const problem = name ? validateName(name, REPO_ROOT) : 'usage: npm run new:subgraph -- <name>';
const entries = readGraphConfig();
if (problem || entries.some((e) => e.name === name)) {
  console.error(problem ?? `${name} is already in schema/subgraphs.json`);
  process.exit(2);
}
const port = Math.max(4000, ...entries.map((e) => Number(new URL(e.url).port))) + 1;
const files = renderSubgraph({ name, root: REPO_ROOT, port });
console.log(`Created services/${name}/ (${files.length} files), port ${port}:`);
for (const file of files) console.log(`  ${file}`);

const config = JSON.parse(readFileSync(CONFIG_PATH, 'utf8')) as { subgraphs: unknown[] };
config.subgraphs.push({ name, url: `http://127.0.0.1:${port}/graphql`, sdl: `services/${name}/schema.graphql`, package: `@nhs-hub/${name}` });
writeFileSync(CONFIG_PATH, `${JSON.stringify(config, null, 2)}\n`);
console.log(`Registered ${name} in schema/subgraphs.json`);

const run = (command: string, args: string[]) => execFileSync(command, args, { cwd: REPO_ROOT, stdio: 'inherit' });
// Links @nhs-hub/<name> into node_modules and records the workspace in package-lock.json.
run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund']);
run('npm', ['run', 'compose']);
console.log(`
Next:
  npm test -w @nhs-hub/${name}        its own tests (seed, gateway, SDL)
  edit services/${name}/data/${name}-facts.csv and data/README.md with the facts your sources state
  npm run compose                     after any schema change; npm test checks it is current
  npm start                           serves it on port ${port} with the rest of the hub`);

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Renders a new subgraph folder from scripts/templates/subgraph: the shape every subgraph has. */
const TEMPLATES = fileURLToPath(new URL('./templates/subgraph/', import.meta.url));

export interface ScaffoldOptions {
  /** Lower-case letters and digits: the subgraph, its package (@nhs-hub/<name>) and its Postgres schema. */
  readonly name: string;
  /** Repository root to write services/<name> into. */
  readonly root: string;
  readonly port: number;
  readonly date?: Date;
}

// Names that would collide with a workspace package (@nhs-hub/kit, @nhs-hub/gateway) or with a
// Postgres schema the database itself owns.
const RESERVED = new Set(['kit', 'gateway', 'public']);

export function validateName(
  name: string,
  root: string,
  registered: readonly string[] = [],
  supergraphSdl = '',
): string | null {
  if (!/^[a-z][a-z0-9]{1,30}$/.test(name))
    return `"${name}" must be 2-31 lower-case letters and digits, starting with a letter (it names a package, a Postgres schema and GraphQL types)`;
  if (RESERVED.has(name) || name.startsWith('pg'))
    return `"${name}" is reserved (a workspace package or a Postgres system schema)`;
  if (existsSync(join(root, 'services', name))) return `services/${name} already exists`;
  if (registered.includes(name)) return `${name} is already in schema/subgraphs.json`;
  // The template's entity is <Name>Fact: a type of that name elsewhere in the graph would not compose.
  const entity = `${name.charAt(0).toUpperCase()}${name.slice(1)}Fact`;
  if (new RegExp(`^type ${entity}\\b`, 'm').test(supergraphSdl))
    return `the graph already has a type ${entity}; choose another name`;
  return null;
}

/** The first port after every registered subgraph's (the gateway has 4000). */
export function nextFreePort(urls: readonly string[]): number {
  return Math.max(4000, ...urls.map((url) => Number(new URL(url).port))) + 1;
}

/**
 * Appends the subgraph to schema/subgraphs.json, keeping the rest of the file as it is, and returns
 * the file's previous text so a failed scaffold can put it back.
 */
export function registerSubgraph(configPath: string, name: string, port: number): string {
  const before = readFileSync(configPath, 'utf8');
  const config = JSON.parse(before) as { subgraphs: unknown[] };
  config.subgraphs.push({
    name,
    url: `http://127.0.0.1:${port}/graphql`,
    sdl: `services/${name}/schema.graphql`,
    package: `@nhs-hub/${name}`,
  });
  writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
  return before;
}

/** Adds the subgraph to the compiled build (tsconfig.build.json's references), before the gateway. */
export function registerBuild(buildConfigPath: string, name: string): void {
  const config = JSON.parse(readFileSync(buildConfigPath, 'utf8')) as { references: { path: string }[] };
  const path = `services/${name}/tsconfig.build.json`;
  if (config.references.some((r) => r.path === path)) return;
  const gateway = config.references.findIndex((r) => r.path.startsWith('gateway/'));
  config.references.splice(gateway < 0 ? config.references.length : gateway, 0, { path });
  writeFileSync(
    buildConfigPath,
    `${JSON.stringify(config, null, 2)}
`,
  );
}

const BIOME = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
const REPOSITORY = fileURLToPath(new URL('../', import.meta.url));

/**
 * A generated file as `biome ci` wants it. The templates are formatted for one name's length; with
 * another, a line the name makes shorter or longer wraps differently, and `npm test` would fail on
 * output nobody edited. Formatted under its path in this repository, so biome.json's rules apply.
 */
function formatted(path: string, text: string): string {
  if (!/\.(ts|json)$/.test(path)) return text;
  return execFileSync(process.execPath, [BIOME, 'format', `--stdin-file-path=${path}`], {
    cwd: REPOSITORY,
    input: text,
    encoding: 'utf8',
  });
}

/** Writes services/<name>/ and returns the files written, relative to the root. */
export function renderSubgraph(options: ScaffoldOptions): string[] {
  const { name, root, port } = options;
  const date = (options.date ?? new Date()).toISOString().slice(0, 10).replaceAll('-', '_');
  const pascal = name.charAt(0).toUpperCase() + name.slice(1);
  const fill = (text: string) =>
    text
      .replaceAll('__Name__', pascal)
      .replaceAll('__NAME__', name.toUpperCase())
      .replaceAll('__name__', name)
      .replaceAll('__camel__', name)
      .replaceAll('__port__', String(port))
      .replaceAll('__date__', date);
  const target = join(root, 'services', name);
  const written: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) {
        walk(path);
        continue;
      }
      const out = join(target, fill(relative(TEMPLATES, path)).replace(/\.tpl$/, ''));
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, formatted(relative(root, out), fill(readFileSync(path, 'utf8'))));
      written.push(relative(root, out));
    }
  };
  walk(TEMPLATES);
  // Printed by `npm run compose`; an empty file until then.
  writeFileSync(join(target, 'schema.graphql'), '');
  written.push(relative(root, join(target, 'schema.graphql')));
  return written;
}

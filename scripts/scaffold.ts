import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
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

export function validateName(name: string, root: string): string | null {
  if (!/^[a-z][a-z0-9]{1,30}$/.test(name)) return `"${name}" must be 2-31 lower-case letters and digits, starting with a letter (it names a package, a Postgres schema and GraphQL types)`;
  if (existsSync(join(root, 'services', name))) return `services/${name} already exists`;
  return null;
}

/** Writes services/<name>/ and returns the files written, relative to the root. */
export function renderSubgraph(options: ScaffoldOptions): string[] {
  const { name, root, port } = options;
  const date = (options.date ?? new Date()).toISOString().slice(0, 10).replaceAll('-', '_');
  const pascal = name.charAt(0).toUpperCase() + name.slice(1);
  const fill = (text: string) =>
    text.replaceAll('__Name__', pascal).replaceAll('__name__', name).replaceAll('__camel__', name).replaceAll('__port__', String(port)).replaceAll('__date__', date);
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
      writeFileSync(out, fill(readFileSync(path, 'utf8')));
      written.push(relative(root, out));
    }
  };
  walk(TEMPLATES);
  // Printed by `npm run compose`; an empty file until then.
  writeFileSync(join(target, 'schema.graphql'), '');
  written.push(relative(root, join(target, 'schema.graphql')));
  return written;
}

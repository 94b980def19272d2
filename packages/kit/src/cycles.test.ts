import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import madge from 'madge';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './repo.js';

/** Every TypeScript module of the hub, as madge resolves them (tsconfig paths, `.js` -> `.ts`). */
async function cyclesUnder(
  root: string,
  folders: readonly string[],
): Promise<{ cycles: string[][]; modules: number; files: string[] }> {
  const graph = await madge(
    folders.map((f) => join(root, f)),
    {
      baseDir: root,
      fileExtensions: ['ts'],
      tsConfig: join(REPO_ROOT, 'tsconfig.json'),
      excludeRegExp: [/node_modules/, /\.d\.ts$/],
    },
  );
  const files = Object.keys(graph.obj());
  return { cycles: graph.circular(), modules: files.length, files };
}

describe('import cycles', () => {
  it('finds a cycle when there is one (the check is not vacuous)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cycles-'));
    writeFileSync(join(dir, 'a.ts'), "import { b } from './b.js';\nexport const a = () => b;\n");
    writeFileSync(join(dir, 'b.ts'), "import type { a } from './a.js';\nexport const b = 1 as unknown as typeof a;\n");
    writeFileSync(join(dir, 'c.ts'), "import { a } from './a.js';\nexport const c = a;\n");
    const { cycles, modules } = await cyclesUnder(dir, ['.']);
    expect(modules).toBe(3);
    // a type-only import closes a cycle too: the modules still cannot be read apart
    expect(cycles).toEqual([['a.ts', 'b.ts']]);
  });

  it('has none in packages/, services/, gateway/, scripts/, bench/ or infra/', { timeout: 60_000 }, async () => {
    const folders = ['packages', 'services', 'gateway', 'scripts', 'bench', 'infra'];
    const { cycles, modules, files } = await cyclesUnder(REPO_ROOT, folders);
    // a sanity floor: the check must have walked the hub's source, not an empty set, and every folder of it
    expect(modules).toBeGreaterThan(150);
    expect(folders.filter((f) => !files.some((file) => file.startsWith(`${f}/`)))).toEqual([]);
    expect(cycles).toEqual([]);
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './config.js';

/**
 * docs/adding-a-field.md walks a data engineer through four files. Its diffs elide with `...`, so
 * they cannot be applied; what can drift is the code around them. Every context and removed line
 * must still be in the file it names, in order, and no added line may be there yet (the field is
 * not in the graph: the walkthrough adds it).
 */
const DOC = 'docs/adding-a-field.md';
const text = readFileSync(`${REPO_ROOT}${DOC}`, 'utf8');
const blocks = [...text.matchAll(/```(diff|ts)\n([\s\S]*?)```/g)].map(([, kind, body]) => {
  const lines = (body ?? '').split('\n').filter((l) => l.length > 0);
  const path = /\/\/ (\S+)/.exec(lines[0] ?? '')?.[1] ?? '';
  return { kind, path, lines: lines.slice(1) };
});
const table = [...text.matchAll(/^\| (\d) \| `([^`]+)` \|/gm)].map(([, n, file]) => ({
  n: Number(n),
  file: file ?? '',
}));

describe(DOC, () => {
  it('touches four files by hand, each shown with its change', () => {
    expect(table.map((r) => r.n)).toEqual([1, 2, 3, 4]);
    const shown = blocks.map((b) => b.path);
    for (const { file } of table)
      expect(
        shown.some((path) => path.endsWith(file)),
        file,
      ).toBe(true);
  });

  it('adds a migration file the migrations runner will find, which does not exist yet', () => {
    const migration = blocks.find((b) => b.kind === 'ts');
    expect(migration?.path).toMatch(/^services\/\w+\/src\/db\/migrations\//);
    expect(basename(migration?.path ?? '')).toMatch(/^\d{4}_\d{2}_\d{2}_\d{3}_[a-z0-9_]+\.ts$/);
    expect(existsSync(`${REPO_ROOT}${migration?.path}`)).toBe(false);
  });

  for (const block of blocks.filter((b) => b.kind === 'diff')) {
    it(`changes ${block.path} where its context still stands`, () => {
      const file = readFileSync(`${REPO_ROOT}${block.path}`, 'utf8').split('\n');
      let at = 0;
      let added: string[] = [];
      // A run of added lines must not be in the file yet (one generic line, `nullable: true,`, may be).
      const checkAdded = () => {
        if (added.length)
          expect(file.join('\n'), `${block.path} already has the change`).not.toContain(added.join('\n'));
        added = [];
      };
      for (const line of block.lines) {
        const [mark, code] = [line[0], line.slice(1)];
        if (mark === '+') {
          added.push(code);
          continue;
        }
        checkAdded();
        if (code.trim() === '...') continue;
        const found = file.indexOf(code, at);
        expect(found, `${block.path} no longer has, after line ${at}: ${code}`).toBeGreaterThanOrEqual(0);
        at = found + 1;
      }
      checkAdded();
    });
  }
});

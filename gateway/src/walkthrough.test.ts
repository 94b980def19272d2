import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './config.js';

/**
 * docs/adding-a-field.md walks a data engineer through four files and a test. Its diffs elide with
 * `...`, so they cannot be applied by a tool; what can drift is the code around them. The repository
 * is in one of two states, and the doc must hold in both:
 * - not followed (the new migration file does not exist): every context and removed line is still
 *   in the file it names, in order, and no added line is there yet;
 * - followed (the migration exists): every context and added line is in place, in order, the
 *   migration has the doc's lines, and the new test passes.
 * Whichever state the repository is in, the doc is also followed in memory and checked as followed.
 */
const DOC = 'docs/adding-a-field.md';
const text = readFileSync(`${REPO_ROOT}${DOC}`, 'utf8');
interface Block {
  kind: string;
  path: string;
  lines: string[];
}
const blocks: Block[] = [...text.matchAll(/```(diff|ts)\n([\s\S]*?)```/g)].map(([, kind, body]) => {
  const lines = (body ?? '').split('\n').filter((l) => l.length > 0);
  const path = /\/\/ (\S+)/.exec(lines[0] ?? '')?.[1] ?? '';
  return { kind: kind ?? '', path, lines: lines.slice(1) };
});
const table = [...text.matchAll(/^\| (\d|test) \| `([^`]+)` \|/gm)].map(([, n, file]) => ({
  n: n === 'test' ? n : Number(n),
  file: file ?? '',
}));
const migration = blocks.find((b) => b.kind === 'ts');
const diffs = blocks.filter((b) => b.kind === 'diff');

type Files = Map<string, string[]>;
const onDisk = (): Files =>
  new Map(
    blocks
      .filter((b) => existsSync(`${REPO_ROOT}${b.path}`))
      .map((b) => [b.path, readFileSync(`${REPO_ROOT}${b.path}`, 'utf8').split('\n')]),
  );

/** The files as the doc leaves them: each added line put after the line before it, removed lines taken out. */
function follow(files: Files): Files {
  const after: Files = new Map(files);
  for (const block of diffs) {
    const file = [...(after.get(block.path) ?? [])];
    let at = 0;
    for (const line of block.lines) {
      const [mark, code] = [line[0], line.slice(1)];
      if (code.trim() === '...') continue;
      if (mark === '+') file.splice(at++, 0, code);
      else {
        const found = file.indexOf(code, at);
        if (found < 0) throw new Error(`${block.path} no longer has, after line ${at}: ${code}`);
        if (mark === '-') file.splice(found, 1);
        at = mark === '-' ? found : found + 1;
      }
    }
    after.set(block.path, file);
  }
  if (migration) after.set(migration.path, [...migration.lines, '']);
  return after;
}

/** What does not hold of the doc in `files`, read as not yet followed or as followed. */
function problems(files: Files, followed: boolean): string[] {
  const found: string[] = [];
  if (migration && files.has(migration.path) !== followed)
    found.push(`${migration.path} ${followed ? 'does not exist' : 'exists already'}`);
  if (followed && migration) {
    const written = files.get(migration.path) ?? [];
    let at = 0;
    for (const line of migration.lines) {
      const hit = written.indexOf(line, at);
      if (hit < 0) found.push(`${migration.path} does not have, after line ${at}: ${line}`);
      else at = hit + 1;
    }
  }
  for (const block of diffs) {
    const file = files.get(block.path) ?? [];
    let at = 0;
    let added: string[] = [];
    // Not followed, a run of added lines must not be there yet (one generic line, `nullable: true,`, may be).
    const checkAdded = () => {
      if (!followed && added.length && file.join('\n').includes(added.join('\n')))
        found.push(`${block.path} already has the change: ${added.join(' / ')}`);
      added = [];
    };
    for (const line of block.lines) {
      const [mark, code] = [line[0], line.slice(1)];
      if (mark === '+') {
        added.push(code);
        if (!followed) continue;
      } else checkAdded();
      // Followed, removed lines are gone: only context and added lines are looked for.
      if (code.trim() === '...' || (followed && mark === '-')) continue;
      const hit = file.indexOf(code, at);
      if (hit < 0) found.push(`${block.path} no longer has, after line ${at}: ${code}`);
      else at = hit + 1;
    }
    checkAdded();
  }
  return found;
}

const followed = migration ? existsSync(`${REPO_ROOT}${migration.path}`) : false;

describe(DOC, () => {
  it('touches four files by hand and one test, each shown with its change', () => {
    expect(table.map((r) => r.n)).toEqual([1, 2, 3, 4, 'test']);
    const shown = blocks.map((b) => b.path);
    for (const { file } of table)
      expect(
        shown.some((path) => path.endsWith(file)),
        file,
      ).toBe(true);
  });

  it('adds a migration file the migrations runner will find', () => {
    expect(migration?.path).toMatch(/^services\/\w+\/src\/db\/migrations\//);
    expect(basename(migration?.path ?? '')).toMatch(/^\d{4}_\d{2}_\d{2}_\d{3}_[a-z0-9_]+\.ts$/);
  });

  it(`matches the code ${followed ? 'after it was followed' : 'before it is followed'}: every line of its diffs in place`, () => {
    expect(problems(onDisk(), followed)).toEqual([]);
  });

  it.runIf(!followed)('matches the code once followed (the doc followed in memory)', () => {
    const after = follow(onDisk());
    expect(problems(after, true)).toEqual([]);
    // The check can tell the two states apart.
    expect(problems(after, false).length).toBeGreaterThan(0);
  });

  it.runIf(followed)(
    'has its new test passing once followed',
    async () => {
      const test = diffs.find((b) => b.path.endsWith('.test.ts'));
      const service = dirname(dirname(dirname(test?.path ?? '')));
      const { stdout } = await promisify(execFile)(
        `${REPO_ROOT}node_modules/.bin/vitest`,
        ['run', (test?.path ?? '').slice(service.length + 1)],
        { cwd: `${REPO_ROOT}${service}`, env: { ...process.env, NO_COLOR: '1' } },
      );
      expect(stripVTControlCharacters(stdout)).toMatch(/Tests\s+\d+ passed/);
    },
    120_000,
  );
});

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { composedSummary } from './composition.js';
import { REPO_ROOT, readGraphConfig } from './config.js';
import { copyRepository } from './repository-copy.js';
import { readmeSubgraphs } from './shape.js';

/**
 * docs/adding-a-field.md walks a data engineer through four files and a test. Its diffs elide with
 * `...`, so they cannot be applied by a tool; what can drift is the code around them. The repository
 * is in one of two states, and the doc must hold in both:
 * - not followed (the new migration file does not exist): every context and removed line is still
 *   in the file it names, in order, and no added line is there yet;
 * - followed (the migration exists): every context and added line is in place, in order, the
 *   migration has the doc's lines, and the new test passes.
 * Whichever state the repository is in, the doc is also followed in memory and checked as followed;
 * not followed, it is also followed for real in a copy of the repository, compose included, and this
 * file run there: followed, the new test and the client's tests (its version follows the API schema
 * compose wrote) must pass, so following the doc to the end leaves `npm test` green.
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

  it("quotes compose's output for the graph the docs describe", () => {
    // README's table lists the subgraphs the docs describe (one scaffolded since is not yet in it).
    expect(text).toContain(composedSummary(readmeSubgraphs().length));
    // The client's version moves with the field added: a minor step, whatever the numbers are today.
    expect(text).toMatch(
      /^@nhs-hub\/client \d+\.\d+\.0 \(minor, from \d+\.\d+\.\d+\): its version follows the API schema$/m,
    );
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

  it.runIf(!followed)(
    'followed for real in a copy of the repository, compose included, passes its checks as followed',
    async () => {
      const root = `${mkdtempSync(join(tmpdir(), 'hub-walkthrough-'))}/`;
      try {
        copyRepository(root, { commit: true });
        for (const [path, lines] of follow(onDisk())) writeFileSync(join(root, path), lines.join('\n'));
        const inCopy = (cwd: string, command: string, args: string[]) =>
          promisify(execFile)(command, args, { cwd, env: { ...process.env, NO_COLOR: '1' } });
        const composed = await inCopy(root, process.execPath, [
          '--conditions=@nhs-hub/source',
          '--import',
          'tsx',
          'gateway/src/compose.ts',
        ]);
        expect(composed.stdout).toContain(composedSummary(readGraphConfig().length));
        // This file in the copy: there the doc is followed, so it runs the new test and the client's.
        const { stdout } = await inCopy(join(root, 'gateway'), `${REPO_ROOT}node_modules/.bin/vitest`, [
          'run',
          'src/walkthrough.test.ts',
          '--reporter=verbose',
        ]);
        const ran = stripVTControlCharacters(stdout);
        expect(ran).toMatch(/Tests\s+(\d+) passed \| \d+ skipped/);
        expect(ran).toContain('has its new test and the client');
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
    300_000,
  );

  it.runIf(followed)(
    "has its new test and the client's tests passing once followed and composed",
    async () => {
      const test = diffs.find((b) => b.path.endsWith('.test.ts'));
      const service = dirname(dirname(dirname(test?.path ?? '')));
      const { stdout } = await promisify(execFile)(
        `${REPO_ROOT}node_modules/.bin/vitest`,
        ['run', (test?.path ?? '').slice(service.length + 1)],
        { cwd: `${REPO_ROOT}${service}`, env: { ...process.env, NO_COLOR: '1' } },
      );
      expect(stripVTControlCharacters(stdout)).toMatch(/Tests\s+(\d+) passed \(\1\)/);
      // The field changed the API schema; compose moved the client's version with it.
      const client = await promisify(execFile)(`${REPO_ROOT}node_modules/.bin/vitest`, ['run', 'src/client.test.ts'], {
        cwd: `${REPO_ROOT}packages/client`,
        env: { ...process.env, NO_COLOR: '1' },
      });
      expect(stripVTControlCharacters(client.stdout)).toMatch(/Tests\s+(\d+) passed \(\1\)/);
    },
    120_000,
  );
});

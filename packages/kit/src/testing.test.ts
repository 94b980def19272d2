import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataFileError } from './data.js';
import { editedCopy, refusedProblems } from './testing.js';

/** A data folder laid out as a subgraph's is: services/<name>/data/. */
function dataFolder(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'kit-testing-')), 'example', 'data');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'facts.csv'), 'id,value\na,1\n');
  writeFileSync(join(dir, 'README.md'), '# Example\n');
  return `${dir}/`;
}

describe('editedCopy', () => {
  it('copies the whole folder, edits only the files named, and leaves the original as it was', () => {
    const original = dataFolder();
    const copy = editedCopy(original, { 'facts.csv': (csv) => csv.replace('a,1', 'a,2') });
    expect(copy).toMatch(/\/example-data-[^/]+\/$/);
    expect(readdirSync(copy).sort()).toEqual(['README.md', 'facts.csv']);
    expect(readFileSync(`${copy}facts.csv`, 'utf8')).toBe('id,value\na,2\n');
    expect(readFileSync(`${copy}README.md`, 'utf8')).toBe('# Example\n');
    expect(readFileSync(`${original}facts.csv`, 'utf8')).toBe('id,value\na,1\n');
  });

  it('refuses an edit of a file the folder lacks, or one that changes nothing: that test would test nothing', () => {
    const original = dataFolder();
    expect(() => editedCopy(original, { 'fact.csv': (csv) => `${csv}b,2\n` })).toThrow(/has no file fact\.csv/);
    expect(() => editedCopy(original, { 'facts.csv': (csv) => csv.replace('z,9', 'z,8') })).toThrow(
      'editedCopy: the edit of facts.csv changed nothing',
    );
  });
});

describe('refusedProblems', () => {
  it('reads a refusal as an editor jumps to it, and fails on a success or any other error', async () => {
    const refused = Promise.reject(
      new DataFileError([{ file: 'facts.csv', line: 3, column: 'id', reason: 'column id is required' }]),
    );
    expect(await refusedProblems(refused)).toEqual(['facts.csv:3 [id] column id is required']);
    await expect(refusedProblems(Promise.resolve(1))).rejects.toThrow('got success');
    await expect(refusedProblems(Promise.reject(new Error('disk full')))).rejects.toThrow('got Error: disk full');
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type DataProblem,
  DataFileError,
  formatProblem,
  located,
  readCsv,
  throwIfProblems,
  verifyCitations,
} from './data.js';
import { checkCitation } from './sources.js';

const Row = z.object({ code: z.string().regex(/^Q[A-Z0-9]{2}$/), line: z.coerce.number().int().positive() });

function csv(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kit-data-'));
  const file = join(dir, 'rows.csv');
  writeFileSync(file, content);
  return file;
}

describe('readCsv', () => {
  it('reports every bad row with its line and column, and keeps the good ones', () => {
    const problems: DataProblem[] = [];
    const rows = readCsv(csv('code,line\nQJM,819\nnope,12\nQHM,-1\n'), Row, problems);
    expect(rows).toEqual([{ value: { code: 'QJM', line: 819 }, line: 2 }]);
    expect(problems.map((p) => `${p.line} ${p.column}`)).toEqual(['3 code', '4 line']);
    expect(() => throwIfProblems(problems)).toThrow(DataFileError);
    expect(() => throwIfProblems(problems)).toThrow(/rows\.csv:3 \[code\]: /);
  });

  it("says a data file's empty cell is required, as a load does, whatever the column's type", () => {
    const problems: DataProblem[] = [];
    const Waved = Row.extend({ wave: z.enum(['FIRST_WAVE', 'SECOND_WAVE']) });
    readCsv(csv('code,line,wave\n,,\nQJM,0,THIRD_WAVE\n'), Waved, problems);
    expect(problems.map((p) => `${p.line} [${p.column}] ${p.reason}`)).toEqual([
      '2 [code] column code is required',
      '2 [line] column line is required',
      '2 [wave] column wave is required',
      '3 [line] Too small: expected number to be >0',
      '3 [wave] Invalid option: expected one of "FIRST_WAVE"|"SECOND_WAVE"',
    ]);
  });

  it('reports an unreadable CSV instead of loading part of it', () => {
    const problems: DataProblem[] = [];
    expect(readCsv(csv('code,line\nQJM,"819\n'), Row, problems)).toEqual([]);
    expect(problems[0]?.reason).toMatch(/unreadable CSV/);
  });
});

describe('a problem as text', () => {
  it('names the file by its path for a data engineer, and by its name alone for a test reading a copy', () => {
    const problem = { file: '/tmp/copy-x1/roles.csv', line: 19, column: 'kind', reason: 'unknown kind' };
    expect(formatProblem(problem)).toBe('/tmp/copy-x1/roles.csv:19 [kind]: unknown kind');
    expect(located(problem)).toBe('roles.csv:19 [kind] unknown kind');
    expect(located({ ...problem, column: undefined })).toBe('roles.csv:19 unknown kind');
  });
});

describe('citations', () => {
  it('hold only when the text stands on the cited line of a known document', () => {
    expect(
      checkCitation({ document: 'seeds/002_5ca6f18803646174.txt', line: 841, text: 'Combined: £182 M' }),
    ).toBeNull();
    expect(checkCitation({ document: 'seeds/002_5ca6f18803646174.txt', line: 842, text: 'Combined: £182 M' })).toMatch(
      /does not contain/,
    );
    expect(checkCitation({ document: 'seeds/nope.txt', line: 1, text: 'x' })).toMatch(/unknown source document/);
    const problems: DataProblem[] = [];
    verifyCitations(
      '/tmp/x.csv',
      [{ line: 7, column: 'text', citation: { document: 'seeds/002_5ca6f18803646174.txt', line: 99999, text: 'x' } }],
      problems,
    );
    expect(problems[0]).toMatchObject({ line: 7, column: 'text' });
    expect(problems[0]?.reason).toMatch(/has no line 99999/);
  });
});

import { readFileSync } from 'node:fs';
import { type DataProblem, formatProblem } from '@nhs-hub/kit/subgraph';
import { editedCopy } from '@nhs-hub/kit/testing';
import { describe, expect, it } from 'vitest';
import { readFacts } from './facts.js';
import { DATA_FILES, WORKFORCE_DATA_DIR } from './files.js';

const DATA_FILE = `${WORKFORCE_DATA_DIR}${DATA_FILES.facts}`;
const [HEADER = '', FIRST = ''] = readFileSync(DATA_FILE, 'utf8').split('\n');

/** The step over a file holding the header and the given rows. */
function read(...rows: string[]): { facts: ReturnType<typeof readFacts>; problems: string[] } {
  const path = `${editedCopy(WORKFORCE_DATA_DIR, { [DATA_FILES.facts]: () => `${[HEADER, ...rows].join('\n')}\n` })}${DATA_FILES.facts}`;
  const problems: DataProblem[] = [];
  const facts = readFacts(path, problems);
  return { facts, problems: problems.map((p) => formatProblem(p).replace(/^.*workforce-facts\.csv/, 'file')) };
}

describe('readFacts (workforce-facts.csv)', () => {
  it('reads every row of the data file, every statement standing on its cited line', () => {
    const problems: DataProblem[] = [];
    const facts = readFacts(DATA_FILE, problems);
    expect(problems).toEqual([]);
    expect(facts).toHaveLength(readFileSync(DATA_FILE, 'utf8').trim().split('\n').length - 1);
    expect(facts[0]?.id).toBe(FIRST.split(',')[0]);
  });

  it('reports a bad value by file:line [column]', () => {
    expect(read(FIRST.replace(',QJM,', ',Q,')).problems).toEqual(['file:2 [stp_code]: an STP ODS code such as QJM']);
  });

  it('reports a statement that does not stand on its cited line', () => {
    const { facts, problems } = read(FIRST.replace(/,(\d+)$/, (_, line: string) => `,${Number(line) + 1}`));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^file:2 \[statement\]: citation does not hold/);
    // the row still parses: the caller throws on any problem before loading
    expect(facts).toHaveLength(1);
  });

  it('reports a document the kit does not name', () => {
    expect(read(FIRST.replace(/,seeds\/[^,]+,/, ',seeds/999_unknown.txt,')).problems).toEqual([
      'file:2 [source_document]: a document the kit names in SOURCE, e.g. seeds/000_647e8cd618725ea4.txt',
    ]);
  });

  it('reports a duplicate id', () => {
    const id = FIRST.split(',')[0];
    expect(read(FIRST, FIRST).problems).toEqual([`file:3 [id]: duplicate key ["${id}"], first on line 2`]);
  });

  it('reports a column the table does not have once, on line 1 (zod alone would drop it)', () => {
    const path = `${editedCopy(WORKFORCE_DATA_DIR, {
      [DATA_FILES.facts]: () =>
        `${HEADER.replace('qualifier', 'qualifer')}\n${FIRST}\n${FIRST.replace(/^[^,]+,/, 'workforce.other.1,')}\n`,
    })}${DATA_FILES.facts}`;
    const problems: DataProblem[] = [];
    readFacts(path, problems);
    expect(problems.filter((p) => p.column === 'qualifer').map((p) => p.line)).toEqual([1]);
  });
});

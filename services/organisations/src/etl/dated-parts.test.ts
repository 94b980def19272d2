import { existsSync, readFileSync } from 'node:fs';
import { cite, type DataProblem, displayPath, sourceLine } from '@nhs-hub/kit/subgraph';
import { describe, expect, it } from 'vitest';
import { checkDatedParts, DATED_PARTS_FILE } from './dated-parts.js';
import { DATED_PARTS, LINCOLNSHIRE_PAPER } from './sources.js';

describe('DATED_PARTS date citations', () => {
  it('holds for every part whose document states its date, each on the line cited', () => {
    const problems: DataProblem[] = [];
    checkDatedParts(DATED_PARTS, problems);
    expect(problems).toEqual([]);
    // the Lincolnshire paper's own date, on its line 9
    expect(DATED_PARTS[0]?.dateSource).toEqual(cite(LINCOLNSHIRE_PAPER, 9, 'DATE\t1 June 2018'));
    expect(sourceLine(LINCOLNSHIRE_PAPER, 9)).toContain('DATE\t1 June 2018');
  });

  it('reports a date citation off its line against sources.ts, the file that exists and holds DATED_PARTS', () => {
    const [paper, ...rest] = DATED_PARTS;
    if (!paper) throw new Error('no dated parts');
    // the paper's date is on line 9; line 10 does not carry it
    const moved = { ...paper, dateSource: cite(LINCOLNSHIRE_PAPER, 10, 'DATE\t1 June 2018') };
    const problems: DataProblem[] = [];
    checkDatedParts([moved, ...rest], problems);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      file: displayPath(DATED_PARTS_FILE),
      column: 'DATED_PARTS',
      reason: expect.stringMatching(
        /^date citation does not hold: seeds\/000_647e8cd618725ea4\.txt:10 does not contain "DATE\\t1 June 2018"/,
      ),
    });
    expect(existsSync(DATED_PARTS_FILE)).toBe(true);
    expect(readFileSync(DATED_PARTS_FILE, 'utf8')).toContain('export const DATED_PARTS');
  });
});

import type { DataProblem } from '@nhs-hub/kit/subgraph';
import { editedCopy } from '@nhs-hub/kit/testing';
import { describe, expect, it } from 'vitest';
import { LINCOLNSHIRE, TRACKER } from '../domain/kinds.js';
import { readFacts } from './facts.js';
import { FINANCE_DATA_DIR } from './files.js';
import { readSections } from './sections.js';

const read = (dir: string) => {
  const problems: DataProblem[] = [];
  const facts = readFacts(dir, readSections(dir, problems), problems);
  return {
    facts,
    problems: problems.map(
      (p) => `${p.file.replace(/.*\//, '')}:${p.line}${p.column ? ` [${p.column}]` : ''}: ${p.reason}`,
    ),
  };
};

describe('financial-facts.csv', () => {
  it("reads Lincolnshire's figures as the tracker and the June 2018 paper state them", () => {
    const { facts, problems } = read(FINANCE_DATA_DIR);
    expect(problems).toEqual([]);
    expect(facts).toHaveLength(199);
    const qjm = facts.filter((f) => f.stp === 'QJM');
    expect(
      qjm.map((f) => [f.kind, f.document, f.line, f.stated, f.amount, f.halfUnit, f.flags.map((x) => x.code)]),
    ).toEqual([
      ['COMBINED_GAP', TRACKER, 841, '£182 M', '182', '0.5', []],
      ['PROVIDER_GAP', TRACKER, 843, '£85/£97M', '85', '0.5', ['UNIT_SHARED']],
      ['COMMISSIONER_GAP', TRACKER, 843, '£85/£97M', '97', '0.5', []],
      ['CAPITAL_REQUIRED', TRACKER, 845, '£ 205 million', '205', '0.5', []],
      ['SYSTEM_DEFICIT', LINCOLNSHIRE, 38, '£82.5m', '82.5', '0.05', ['PROVISIONAL']],
      ['WORKSTREAM_SAVINGS', LINCOLNSHIRE, 151, '£60 million', '60', '0.5', []],
    ]);
    expect(qjm[0]?.text).toBe('Combined: £182 M');
  });

  it('keeps billions exact and records the precision they are stated to', () => {
    const { facts } = read(FINANCE_DATA_DIR);
    expect(facts.find((f) => f.stp === 'QWO' && f.kind === 'COMBINED_GAP')).toMatchObject({
      line: 639,
      stated: '£1.74 B',
      amount: '1740',
      halfUnit: '5',
    });
    expect(facts.find((f) => f.stp === 'QOP' && f.kind === 'HEALTHCARE_GAP')).toMatchObject({
      stated: '£1.824 B',
      amount: '1824',
      halfUnit: '0.5',
    });
    expect(facts.find((f) => f.stp === 'QMK' && f.kind === 'PROPOSED_SAVINGS')).toMatchObject({
      stated: '£749.8',
      amount: '749.8',
      flags: [expect.objectContaining({ code: 'UNIT_MISSING' })],
    });
  });

  it('names file:line for a citation off its line, an unparsable amount and an uncovered amount', () => {
    const dir = editedCopy(FINANCE_DATA_DIR, {
      'financial-facts.csv': (csv) =>
        csv
          .replace('Healthcare: £299 M', 'Healthcare: £298 M')
          .replace('Combined: £369 M,£369 M', 'Combined: £369 M,£369 X')
          .split('\n')
          .filter((l) => !l.endsWith(',£19 M,,,,2'))
          .join('\n'),
    });
    const { problems } = read(dir);
    expect(problems).toContain(
      'financial-facts.csv:5 [text]: citation does not hold: seeds/002_5ca6f18803646174.txt:260 does not contain "Healthcare: £298 M" (it reads "Healthcare: £299 M")',
    );
    expect(problems).toContain('financial-facts.csv:7 [amount_as_stated]: "£369 X" is not in the cited text');
    expect(problems).toContain(
      'financial-facts.csv:1: seeds/002_5ca6f18803646174.txt:502 (QT1) states 2 amount(s) but the data file has 1',
    );
  });
});

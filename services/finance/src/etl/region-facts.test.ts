import type { DataProblem, FlagShape } from '@nhs-hub/kit/subgraph';
import { editedCopy } from '@nhs-hub/kit/testing';
import { describe, expect, it } from 'vitest';
import { LINCOLNSHIRE } from '../domain/kinds.js';
import { FINANCE_DATA_DIR } from './files.js';
import { readRegionFacts } from './region-facts.js';

describe('annex-a-region-facts.csv', () => {
  it("reads Annex A's figures for both proposed regions, from the region's column of the cited line", () => {
    const problems: DataProblem[] = [];
    const facts = readRegionFacts(FINANCE_DATA_DIR, problems);
    expect(problems).toEqual([]);
    expect(facts).toHaveLength(24);
    const turnover = facts.filter((f) => f.label === 'Total 16/17 Provider Turnover (£M)');
    expect(
      turnover.map((f) => [f.region_code, f.proposed_region_name, f.value, f.unit, f.source_document, f.source_line]),
    ).toEqual([
      ['Y61', 'Central & East', '8129', 'GBP million', LINCOLNSHIRE, 374],
      ['Y60', 'Midlands', '13380', 'GBP million', LINCOLNSHIRE, 374],
    ]);
    const population = facts.find((f) => f.region_code === 'Y60' && f.label.startsWith('Population'));
    expect(population).toMatchObject({
      value: '10.1',
      value_as_stated: '10.1',
      source_line: 365,
      source_text: 'Population (M) (GP registered 2016)\t7.3\t10.1',
    });
    const flags = JSON.parse(facts[0]?.flags ?? '[]') as FlagShape[];
    expect(flags.map((f) => f.code)).toEqual(['PROPOSED_FOOTPRINT']);
    expect(flags[0]?.explanation).toContain('Northamptonshire');
  });

  it("refuses a value that is not in the region's column, naming file:line", () => {
    const dir = editedCopy(FINANCE_DATA_DIR, {
      'annex-a-region-facts.csv': (csv) => csv.replace('Central & East,Y61,7.3,', 'Central & East,Y61,7.4,'),
    });
    const problems: DataProblem[] = [];
    readRegionFacts(dir, problems);
    expect(problems).toEqual([
      {
        file: expect.stringMatching(/annex-a-region-facts\.csv$/),
        line: 2,
        column: 'value_as_stated',
        reason: 'the Central & East column of line 365 reads "7.3", not "7.4"',
      },
    ]);
  });
});

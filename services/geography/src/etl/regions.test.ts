import type { DataProblem } from '@nhs-hub/kit/subgraph';
import { describe, expect, it } from 'vitest';
import { readRegions } from './regions.js';

describe('reference/nhs-england-regions.csv', () => {
  it('reads the ten regions over time, each citing its own line', () => {
    const problems: DataProblem[] = [];
    const regions = readRegions(problems);
    expect(problems).toEqual([]);
    expect(regions).toHaveLength(10);
    expect(regions.find((r) => r.code === 'Y57')).toEqual({
      code: 'Y57',
      ons_code: 'E40000004',
      name: 'South of England',
      valid_from: '2012-10-01',
      valid_to: '2018-03-31',
      valid_from_certainty: 'stated',
      source_document: 'reference/nhs-england-regions.csv',
      source_line: 5,
      source_text:
        'E40000004,Y57,South of England,2012-10-01,2018-03-31,stated,"ONS 2017 local office to region lookup; ODS eauth"',
    });
    expect(regions.find((r) => r.code === 'Y60')).toMatchObject({
      name: 'Midlands',
      valid_from: '2019-04-01',
      valid_to: null,
      valid_from_certainty: 'inferred-date',
    });
  });
});

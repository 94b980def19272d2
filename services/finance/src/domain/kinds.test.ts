import type { FlagShape } from '@nhs-hub/kit/subgraph';
import { describe, expect, it } from 'vitest';
import { buildFinanceRows } from '../etl/index.js';
import { factsMatching, isGapKind } from './kinds.js';

/** Lincolnshire's financial facts as the seed step reads them, in source order. */
const LINCOLNSHIRE = buildFinanceRows()
  .facts.filter((f) => f.stp_code === 'QJM')
  .map((f) => ({ ...f, flags: JSON.parse(String(f.flags)) as FlagShape[] }));

describe('factsMatching', () => {
  it('keeps every fact without a filter, and those of the kinds and flag asked for, in order', () => {
    expect(factsMatching(LINCOLNSHIRE, {})).toEqual(LINCOLNSHIRE);
    expect(factsMatching(LINCOLNSHIRE, { kinds: ['COMMISSIONER_GAP', 'PROVIDER_GAP'] }).map((f) => f.kind)).toEqual([
      'PROVIDER_GAP',
      'COMMISSIONER_GAP',
    ]);
    // The 2017/18 deficit "predicted as £82.5m ... final figures are still being worked on" (seed 000 line 38).
    expect(factsMatching(LINCOLNSHIRE, { hasFlag: 'PROVISIONAL' }).map((f) => [f.kind, f.source_line])).toEqual([
      ['SYSTEM_DEFICIT', 38],
    ]);
    expect(factsMatching(LINCOLNSHIRE, { kinds: ['COMBINED_GAP'], hasFlag: 'PROVISIONAL' })).toEqual([]);
  });

  it('tells the gap kinds from the others', () => {
    expect(['HEALTHCARE_GAP', 'SOCIAL_CARE_GAP', 'COMBINED_GAP', 'PROVIDER_GAP'].map(isGapKind)).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });
});

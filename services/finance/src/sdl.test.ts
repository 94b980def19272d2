import { readFileSync } from 'node:fs';
import { printSubgraphSdl } from '@nhs-hub/kit/subgraph';
import { describe, expect, it } from 'vitest';
import { schema } from './schema/index.js';

describe('printed SDL', () => {
  const sdl = printSubgraphSdl(schema);

  it('matches schema.graphql (regenerate with: npm run compose)', () => {
    expect(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8')).toBe(sdl);
  });

  it("owns the financial types and extends geography's Stp, Region and RegionSnapshot by their keys", () => {
    expect(sdl).toMatch(/\ntype FinancialGap \{/);
    expect(sdl).toMatch(/type Stp\n {2}@key\(fields: "code"\)\n {2}@extends/);
    expect(sdl).toMatch(/type Region\n {2}@key\(fields: "code"\)\n {2}@extends/);
    expect(sdl).toMatch(/type RegionSnapshot\n {2}@key\(fields: "regionCode asOf"\)\n {2}@extends/);
    expect(sdl).toContain('gapPerHeadDerived: DerivedGapPerHead @requires(fields: "population")');
  });

  it('documents ROUNDING_DIFFERENCE beside SUM_MISMATCH on the flags of a figure set', () => {
    expect(sdl).toContain(
      'SUM_MISMATCH (parts and stated total apart beyond their stated precision), ROUNDING_DIFFERENCE (apart only within it: informational)',
    );
  });
});

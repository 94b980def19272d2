import { readFileSync } from 'node:fs';
import { printSubgraphSdl } from '@nhs-hub/kit/subgraph';
import { describe, expect, it } from 'vitest';
import { schema } from './schema/index.js';

describe('printed SDL', () => {
  const sdl = printSubgraphSdl(schema);

  it('matches schema.graphql (regenerate with: npm run compose)', () => {
    expect(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8')).toBe(sdl);
  });

  it("owns Programme and Priority and extends geography's Stp and RegionSnapshot by their keys", () => {
    expect(sdl).toMatch(/type Programme\n {2}@key\(fields: "code"\)\n\{/);
    expect(sdl).toMatch(/type Priority\n {2}@key\(fields: "id"\)\n\{/);
    expect(sdl).toMatch(/type Stp\n {2}@key\(fields: "code"\)\n {2}@extends/);
    expect(sdl).toMatch(/type RegionSnapshot\n {2}@key\(fields: "regionCode asOf"\)\n {2}@extends/);
  });
});

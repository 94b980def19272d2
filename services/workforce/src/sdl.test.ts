import { readFileSync } from 'node:fs';
import { printSubgraphSdl } from '@nhs-hub/kit/subgraph';
import { describe, expect, it } from 'vitest';
import { schema } from './schema/index.js';

describe('printed SDL', () => {
  const sdl = printSubgraphSdl(schema);

  it('matches schema.graphql (regenerate with: npm run compose)', () => {
    expect(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8')).toBe(sdl);
  });

  it("owns WorkforceFact and extends geography's Stp by its key", () => {
    expect(sdl).toMatch(/type WorkforceFact\n {2}@key\(fields: "id"\)\n\{/);
    expect(sdl).toMatch(/type Stp\n {2}@key\(fields: "code"\)\n {2}@extends/);
    expect(sdl).toContain('workforceFacts: [WorkforceFact!]!');
  });
});

import { readFileSync } from 'node:fs';
import { printSubgraphSdl } from '@nhs-hub/kit/subgraph';
import { describe, expect, it } from 'vitest';
import { schema } from './schema/index.js';

describe('printed SDL', () => {
  const sdl = printSubgraphSdl(schema);

  it('matches schema.graphql (regenerate with: npm run compose)', () => {
    expect(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8')).toBe(sdl);
  });

  it("refers to geography's Stp and Region by their keys, without resolving them", () => {
    expect(sdl).toMatch(/type Stp\n {2}@key\(fields: "code", resolvable: false\)/);
    expect(sdl).toMatch(/type Region\n {2}@key\(fields: "code", resolvable: false\)/);
    expect(sdl).toContain('union ChangeEntity = Stp | Region');
    expect(sdl).toContain('releasePublished: Release!');
  });
});

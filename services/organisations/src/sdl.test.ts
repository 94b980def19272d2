import { readFileSync } from 'node:fs';
import { printSubgraphSdl } from '@nhs-hub/kit/subgraph';
import { describe, expect, it } from 'vitest';
import { schema } from './schema/index.js';

const SDL_PATH = new URL('../schema.graphql', import.meta.url);

describe('printed SDL', () => {
  it('matches schema.graphql (regenerate with: npm run compose)', () => {
    expect(readFileSync(SDL_PATH, 'utf8')).toBe(printSubgraphSdl(schema));
  });

  it("owns Organisation and Person and extends geography's Stp and Region by their keys", () => {
    const sdl = printSubgraphSdl(schema);
    expect(sdl).toMatch(/type Organisation\n {2}@key\(fields: "id"\)\n\{/);
    expect(sdl).toMatch(/type Person\n {2}@key\(fields: "id"\)\n\{/);
    expect(sdl).toMatch(/type Stp\n {2}@key\(fields: "code"\)\n {2}@extends/);
    expect(sdl).toMatch(/type Region\n {2}@key\(fields: "code"\)\n {2}@extends/);
  });
});

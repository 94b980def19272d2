import { readFileSync } from 'node:fs';
import { printSubgraphSdl } from '@nhs-hub/kit';
import { describe, expect, it } from 'vitest';
import { schema } from './index.js';

describe('printed SDL', () => {
  it('matches schema.graphql (regenerate with: npm run compose)', () => {
    expect(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8')).toBe(printSubgraphSdl(schema));
  });
});

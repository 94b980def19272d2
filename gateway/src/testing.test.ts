import { GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { subgraphHarness } from './testing.js';

describe('subgraphHarness', () => {
  it('refuses to be used before it is started, naming the hook that starts it', () => {
    const harness = subgraphHarness({
      name: 'example',
      schema: new GraphQLSchema({}),
      migrations: {},
      seed: async () => ({}),
    });
    expect(() => harness.url).toThrow('example: the harness is not started (beforeAll(harness.start))');
    expect(harness.statements()).toBe(0);
  });
});

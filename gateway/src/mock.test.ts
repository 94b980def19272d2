import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOCK_SOURCE_TEXT, type MockServer, startMockServer } from './mock.js';
import { explorerOperations } from './plugins/explorer/operations.js';
import { postGraphQL } from './testing.js';

/** npm run mock: the API schema with mock data, for UI work without a database. */
let mock: MockServer;
beforeAll(async () => {
  mock = await startMockServer(0);
});
afterAll(() => mock?.close());

describe('the mock server', () => {
  it('answers every public operation with its example, without errors, in the API shape', async () => {
    for (const operation of explorerOperations()) {
      const { status, body } = await postGraphQL(mock.url, operation.query, operation.variables);
      expect(status, operation.name).toBe(200);
      expect(body.errors, operation.name).toBeUndefined();
      expect(body.data, operation.name).toBeTruthy();
    }
  });

  it('uses the real codes and names, keeps an STP the same across operations, and marks every source as mock', async () => {
    type Overview = { stp: { code: string; name: string; population: number; populationSource: { text: string } } };
    const first = await postGraphQL<Overview>(
      mock.url,
      '{ stp(code: "QJM") { code name population populationSource { text } } }',
    );
    expect(first.body.data?.stp).toMatchObject({
      code: 'QJM',
      name: 'Lincolnshire',
      populationSource: { text: MOCK_SOURCE_TEXT },
    });
    const again = await postGraphQL<Overview>(mock.url, '{ stp(code: "QJM") { population } }');
    expect(again.body.data?.stp.population).toBe(first.body.data?.stp.population);
    const page = await postGraphQL<{ stps: { totalCount: number; hasNextPage: boolean; nodes: { code: string }[] } }>(
      mock.url,
      '{ stps(first: 5, offset: 40) { totalCount hasNextPage nodes { code } } }',
    );
    expect(page.body.data?.stps.totalCount).toBe(42);
    expect(page.body.data?.stps.nodes).toHaveLength(2);
    expect(page.body.data?.stps.hasNextPage).toBe(false);
    expect((await postGraphQL(mock.url, '{ stp(code: "QZZ") { code } }')).body.data).toEqual({ stp: null });
    // A document that is not the API's is refused as the hub refuses it.
    expect((await postGraphQL(mock.url, '{ nope }')).body.errors?.[0]?.message).toMatch(/Cannot query field "nope"/);
  });
});

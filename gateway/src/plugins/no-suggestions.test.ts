import { gatewaySignatureFor, gatewaySigner } from '@nhs-hub/kit/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllSubgraphs } from '../config.js';
import { startTestGraph, type TestGraph } from '../testing.js';
import { withoutSuggestions } from './no-suggestions.js';

/** Issue 23: production still answered "Did you mean the enum value COMBINED_GAP?". */
const SECRET = 'no-suggestions-test-secret-0123456789abcdef';
let graph: TestGraph;
let nodeEnv: string | undefined;
beforeAll(async () => {
  nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  graph = await startTestGraph(await loadAllSubgraphs(), {
    gatewaySecret: SECRET,
  });
}, 120_000);
afterAll(async () => {
  await graph?.close();
  process.env.NODE_ENV = nodeEnv;
});

const ask = async (query: string, variables?: Record<string, unknown>) => {
  const response = await fetch(graph.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, text: await response.text() };
};

describe('production suggests nothing', () => {
  it.each([
    ['an enum value', '{ regionSnapshot(code: "Y60") { financialSummary { rankings(by: COMBINED) { rank } } } }'],
    ['a field', '{ stp(code: "QJM") { nam } }'],
    ['an argument', '{ stp(cod: "QJM") { name } }'],
    ['a type', 'query ($c: StpFiltr) { stps(filter: $c) { totalCount } }'],
  ])('for a misspelt %s', async (_, query) => {
    const { status, text } = await ask(query);
    expect(status).toBe(400);
    expect(text).not.toMatch(/Did you mean/);
    expect(text).toMatch(/GRAPHQL_VALIDATION_FAILED/);
  });

  it("for a misspelt input field in a variable's value", async () => {
    const { status, text } = await ask('query ($f: StpFilter) { stps(filter: $f) { totalCount } }', {
      f: { nameContain: 'Lin' },
    });
    // graphql-js adds `Did you mean "nameContains"?` to the coercion error.
    expect(status).toBe(400);
    expect(text).toMatch(/Field \\"nameContain\\" is not defined by type \\"StpFilter\\"\./);
    expect(text).not.toMatch(/Did you mean/);
  });

  it('from a subgraph either, asked by the gateway', async () => {
    const url = graph.subgraphs.geography?.url ?? '';
    const body = JSON.stringify({ query: '{ stp(code: "QJM") { nam } }' });
    const signature = gatewaySignatureFor(gatewaySigner(SECRET), new URL(url), 'POST', body);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signature },
      body,
    });
    expect(response.status).toBe(400);
    expect(await response.text()).not.toMatch(/Did you mean/);
  });

  it('keeps the rest of the message', () => {
    expect(
      withoutSuggestions(
        'Value "COMBINED" does not exist in "RegionFinanceRankOrder" enum. Did you mean the enum value "COMBINED_GAP"?',
      ),
    ).toBe('Value "COMBINED" does not exist in "RegionFinanceRankOrder" enum.');
  });
});

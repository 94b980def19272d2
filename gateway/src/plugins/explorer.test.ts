import { readdirSync } from 'node:fs';
import { postGraphQL, signTestToken, startTestGraph, TEST_JWT_SECRET, type TestGraph } from '../testing.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllSubgraphs, REPO_ROOT } from '../config.js';
import { explorerOperations } from './explorer.js';

/** The explorer's tabs: every public operation, each with an example that answers as it opens. */
process.env.HUB_JWT_SECRET = TEST_JWT_SECRET;
let graph: TestGraph;
beforeAll(async () => {
  graph = await startTestGraph(await loadAllSubgraphs());
});
afterAll(() => graph.close());

describe('the explorer operations', () => {
  it('are every operation in schema/operations/, StpOverview first, each with example variables', () => {
    const files = readdirSync(`${REPO_ROOT}schema/operations/`)
      .filter((f) => f.endsWith('.graphql'))
      .map((f) => f.replace(/\.graphql$/, ''));
    const operations = explorerOperations();
    expect(operations.map((o) => o.name).sort()).toEqual(files.sort());
    expect(operations[0]?.name).toBe('StpOverview');
    for (const o of operations) expect(o.variables, `${o.name} has no example in examples.json`).toBeDefined();
  });

  it('answer their examples without errors, with a token of the scope they name, and need it', async () => {
    for (const o of explorerOperations()) {
      const authorization = o.scope ? await signTestToken({ scope: o.scope, sub: 'explorer' }) : undefined;
      const { status, body } = await postGraphQL(
        graph.gatewayUrl,
        o.query,
        o.variables,
        authorization ? { authorization } : {},
      );
      expect(status, o.name).toBe(200);
      expect(body.errors, o.name).toBeUndefined();
      expect(body.data, o.name).toBeTruthy();
      if (!o.scope) continue;
      // The scope is the one the answer needs: without it, the restricted field is refused.
      const anonymous = await postGraphQL(graph.gatewayUrl, o.query, o.variables);
      expect(
        anonymous.body.errors?.map((e) => e.extensions?.code),
        o.name,
      ).toContain('FORBIDDEN');
    }
  });
});

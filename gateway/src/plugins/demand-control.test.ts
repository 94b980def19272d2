import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllSubgraphs, REPO_ROOT } from '../config.js';
import { startTestGraph, type TestGraph } from '../testing.js';
import { DEMAND_CONTROL } from './demand-control/cost.js';

/** The 170-byte query: within depth, alias and token limits, 2.77 MB and 7.4 s before demand control. */
const NESTED =
  '{ stp(code:"QJM") { region { stps { region { stps { region { stps { region { stps { region { stps { code } } } } } } } } } } } }';

const operation = (name: string) => readFileSync(`${REPO_ROOT}schema/operations/${name}.graphql`, 'utf8');

let graph: TestGraph;
beforeAll(async () => {
  graph = await startTestGraph(await loadAllSubgraphs());
}, 120_000);
afterAll(async () => graph?.close());

const post = async (body: unknown, headers: Record<string, string> = {}) => {
  const response = await fetch(graph.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as {
      data?: unknown;
      errors?: { message: string; extensions?: Record<string, unknown> }[];
    },
  };
};

describe('demand control counts lists', () => {
  it('refuses the nested-lists query with a 400 giving the estimated cost and the limit, before any subgraph is asked', async () => {
    expect(NESTED.length).toBeLessThanOrEqual(170);
    graph.resetCounters();
    const { status, body } = await post({ query: NESTED });
    expect(status).toBe(400);
    expect(body.data).toBeUndefined();
    const [error] = body.errors ?? [];
    expect(error?.extensions).toMatchObject({
      code: 'QUERY_LIMIT_EXCEEDED',
      limit: 'maxCost',
      max: DEMAND_CONTROL.maxCost,
    });
    const found = Number((error?.extensions as { found?: number } | undefined)?.found);
    expect(found).toBeGreaterThan(DEMAND_CONTROL.maxCost);
    expect(error?.message).toContain(`estimated cost ${found}, the limit is ${DEMAND_CONTROL.maxCost}`);
    expect(graph.statements()).toBe(0);
  });

  it('refuses a paged list asked too large, and lets the same list through at a page the limit allows', async () => {
    const dear = await post({
      query: '{ stps(first: 200) { nodes { priorities { programmes { stps { code } } } } } }',
    });
    expect(dear.status).toBe(400);
    expect(dear.body.errors?.[0]?.extensions?.code).toBe('QUERY_LIMIT_EXCEEDED');
    const cheap = await post({ query: '{ stps(first: 2) { nodes { priorities { programmes { code } } } } }' });
    expect(cheap.status).toBe(200);
    expect(cheap.body.errors).toBeUndefined();
  });

  it('lets every public operation through at its largest page, with headroom', async () => {
    const examples = JSON.parse(readFileSync(`${REPO_ROOT}schema/operations/examples.json`, 'utf8')) as Record<
      string,
      { variables: Record<string, unknown>; scope?: string }
    >;
    for (const [name, example] of Object.entries(examples)) {
      if (name.startsWith('$')) continue;
      const variables = name === 'AllStps' ? { ...example.variables, first: 200 } : example.variables;
      const { status, body } = await post({ query: operation(name), operationName: name, variables });
      const limited = (body.errors ?? []).filter(
        (e) => (e.extensions as { code?: string }).code === 'QUERY_LIMIT_EXCEEDED',
      );
      expect({ name, status, limited }).toEqual({ name, status: 200, limited: [] });
    }
  });
});

describe('the public operations cost', () => {
  it("what docs/security.md's table says, each within half the limit; the nested query what its text says", async () => {
    const { estimateCost } = await import('./demand-control/cost.js');
    const { buildASTSchema, parse } = await import('graphql');
    const schema = buildASTSchema(parse(graph.supergraphSdl), { assumeValid: true, assumeValidSDL: true });
    const examples = JSON.parse(readFileSync(`${REPO_ROOT}schema/operations/examples.json`, 'utf8')) as Record<
      string,
      { variables: Record<string, unknown> }
    >;
    const security = readFileSync(`${REPO_ROOT}docs/security.md`, 'utf8');
    const figure = (text: string) => Number(text.replaceAll(',', ''));
    // | operation | variables | estimated cost |: a row's variables are its example's, with the `first: N` it names.
    const rows = [...security.matchAll(/^\| (\w+) \| (.*) \| ([\d,]+) \|$/gm)].map(
      ([, name = '', variables = '', cost = '']) => {
        const first = /`first: (\d+)`/.exec(variables)?.[1];
        return { name, first: first === undefined ? undefined : Number(first), documented: figure(cost) };
      },
    );
    const publicOperations = Object.keys(examples).filter((name) => !name.startsWith('$'));
    expect(new Set(rows.map((r) => r.name))).toEqual(new Set(publicOperations));
    for (const { name, first, documented } of rows) {
      const variables = { ...examples[name]?.variables, ...(first === undefined ? {} : { first }) };
      const estimated = estimateCost(schema, parse(operation(name)), name, variables);
      expect({ name, first, estimated }).toEqual({ name, first, estimated: documented });
      expect(estimated).toBeLessThanOrEqual(DEMAND_CONTROL.maxCost / 2);
    }
    const prose = security.replaceAll('\n', ' ');
    expect(prose).toContain(`the limit is **${DEMAND_CONTROL.maxCost.toLocaleString('en-GB')}**`);
    const nested = /is estimated at ([\d,]+) and refused/.exec(prose)?.[1];
    expect(estimateCost(schema, parse(NESTED), null, {})).toBe(figure(nested ?? 'NaN'));
  });
});

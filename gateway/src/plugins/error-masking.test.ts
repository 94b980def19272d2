import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllSubgraphs } from '../config.js';
import { type RunningGateway, startGateway } from '../gateway.js';
import { startTestGraph, type TestGraph } from '../testing.js';

/** Geography behind the real gateway, and a second gateway whose geography refuses every connection. */
let graph: TestGraph;
let cutOff: RunningGateway;
beforeAll(async () => {
  const geography = (await loadAllSubgraphs()).filter((s) => s.name === 'geography');
  graph = await startTestGraph(geography);
  // Port 1 on loopback: nothing listens, so every call is refused at once.
  cutOff = await startGateway({
    supergraphSdl: graph.supergraphSdl,
    subgraphUrls: { geography: 'http://127.0.0.1:1/graphql' },
    port: 0,
  });
});
afterAll(async () => {
  await cutOff.close();
  await graph.close();
});

const ask = (url: string, query: string, extra: Record<string, unknown> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'mask-1' },
    body: JSON.stringify({ query, ...extra }),
  }).then(async (res) => ({
    status: res.status,
    body: (await res.json()) as {
      data?: unknown;
      errors?: { message: string; path?: unknown; extensions: Record<string, unknown> }[];
    },
  }));

/** What a caller sees in production: the same answer, with nothing a subgraph was sent or printed. */
async function inProduction<T>(ask: () => Promise<T>): Promise<T> {
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    return await ask();
  } finally {
    process.env.NODE_ENV = previous;
  }
}

describe('errors as the gateway answers them', () => {
  it('null each nullable root field a subgraph down leaves out, answered 200 with one error naming it', async () => {
    const { status, body } = await inProduction(() =>
      ask(cutOff.url, '{ a: stp(code: "QJM") { name } b: stp(code: "QOP") { name } }'),
    );
    expect(status).toBe(200);
    // Hive's executor leaves data out when every root field failed; the plugin puts the nulls back.
    expect(body.data).toEqual({ a: null, b: null });
    expect(body.errors).toEqual([
      {
        message: 'Subgraph "geography" is unreachable: connect ECONNREFUSED 127.0.0.1:1',
        path: ['a'],
        extensions: { code: 'SUBREQUEST_HTTP_ERROR', serviceName: 'geography', requestId: 'mask-1' },
      },
    ]);
  });

  it('give one refusal met at two fields once, naming both', async () => {
    const { status, body } = await inProduction(() =>
      ask(graph.gatewayUrl, 'query($code: ID!) { region(code: $code) { name } regionSnapshot(code: $code) { asOf } }', {
        variables: { code: 'Y99' },
      }),
    );
    expect(status).toBe(200);
    expect(body.data).toEqual({ region: null, regionSnapshot: null });
    // Both fields are fetched at once, so which failed first (the error's path) may vary.
    expect(body.errors).toEqual([
      {
        message: "Region not found: no NHS England region has the ODS or ONS code 'Y99'",
        path: [expect.stringMatching(/^region(Snapshot)?$/)],
        extensions: {
          code: 'NOT_FOUND',
          serviceName: 'geography',
          requestId: 'mask-1',
          paths: expect.arrayContaining([['region'], ['regionSnapshot']]),
        },
      },
    ]);
  });

  it('carry the status of a request error on the answer, and the request id on each', async () => {
    const twoOperations = 'query A { regions { code } } query B { regions { name } }';
    const unnamed = await ask(graph.gatewayUrl, twoOperations);
    expect(unnamed.status).toBe(400);
    expect(unnamed.body.errors).toEqual([
      {
        message: 'Must provide an operation name when the document contains several operations.',
        extensions: { code: 'OPERATION_RESOLUTION_FAILURE', requestId: 'mask-1' },
      },
    ]);
    const unknown = await ask(graph.gatewayUrl, twoOperations, { operationName: 'C' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([
      {
        message: 'Unknown operation named "C".',
        extensions: { code: 'OPERATION_RESOLUTION_FAILURE', requestId: 'mask-1' },
      },
    ]);
  });
});

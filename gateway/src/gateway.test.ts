import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEnv } from '@nhs-hub/kit/env';
import { gatewaySettingsFromEnv, startGateway } from './gateway.js';
import { postGraphQL as post, startProcess, startTestGraph, type TestGraph, tsxArgs } from './testing.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllSubgraphs, loadSubgraph, REPO_ROOT, readGraphConfig } from './config.js';
import { hostileRequests } from './hostile.js';

let graph: TestGraph;
const extraServers: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  graph = await startTestGraph(await loadAllSubgraphs());
});
afterAll(async () => {
  for (const server of extraServers) await server.close();
  await graph.close();
});

/**
 * An answer with its `extensions.dataVersion` taken off: every answer the runtime gives carries it
 * (plugins/data-version.test.ts tests it); these tests compare the rest of the body whole.
 */
async function postGraphQL<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
) {
  const answer = await post<T>(url, query, variables);
  const { dataVersion, ...others } = answer.body.extensions ?? {};
  if (dataVersion === undefined) return answer;
  expect(dataVersion).toMatch(/^[a-z_]+\.\d+(-[a-z_]+\.\d+)*$/);
  const { extensions: _extensions, ...body } = answer.body;
  return { ...answer, body: Object.keys(others).length ? { ...body, extensions: others } : body };
}

const ask = <T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>) =>
  postGraphQL<T>(graph.gatewayUrl, query, variables);

/** Runs `run` with NODE_ENV set as a deployment sets it; errors are shaped per request, so the running gateway follows. */
async function withNodeEnv<T>(value: string, run: () => Promise<T>): Promise<T> {
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = value;
  try {
    return await run();
  } finally {
    if (previous === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = previous;
  }
}

/** A stack frame or a file of the hub's or its dependencies': nothing a caller should ever see. */
const INTERNALS = /\bat [\w.<>]+ \(|node_modules|\/[\w.-]+\.(?:ts|js|mjs|cjs)\b|file:\/\//;

const subgraphUrls = () => Object.fromEntries(Object.entries(graph.subgraphs).map(([n, s]) => [n, s.url]));

describe('the gateway over every configured subgraph', () => {
  it('answers the headline: Lincolnshire, 700000, Midlands, and Midlands and East of England in June 2018', async () => {
    const { status, body } = await ask(
      `{ stp(code: "QJM") { name population region { name } then: region(asOf: "2018-06-01") { name } } }`,
    );
    expect(status).toBe(200);
    expect(body).toEqual({
      data: {
        stp: {
          name: 'Lincolnshire',
          population: 700000,
          region: { name: 'Midlands' },
          // biome-ignore lint/suspicious/noThenProperty: 'then' is the GraphQL alias StpOverview gives the region on a past date
          then: { name: 'Midlands and East of England' },
        },
      },
    });
  });

  it('lists all STPs with their region in a constant number of SQL statements', async () => {
    const run = async (first: number) => {
      graph.resetCounters();
      const { body } = await ask<{ stps: { nodes: { code: string; region: { name: string } | null }[] } }>(
        `{ stps(first: ${first}) { nodes { code name population region { code name } } } }`,
      );
      expect(body.errors).toBeUndefined();
      expect(body.data?.stps.nodes).toHaveLength(first);
      return graph.statements();
    };
    expect(await run(44)).toBe(await run(3));
  });

  it('answers invalid GraphQL with a 400 and a clear error, and stays up', async () => {
    const bad = await ask(`{ stp(code: "QJM") { name `);
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    const unknownField = await ask(`{ stp(code: "QJM") { nickname } }`);
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.errors?.[0]?.message).toContain('Cannot query field "nickname" on type "Stp"');
    const after = await ask(`{ stp(code: "QJM") { code } }`);
    expect(after.body.data).toEqual({ stp: { code: 'QJM' } });
  });

  it('answers an unknown code with NOT_FOUND through the gateway', async () => {
    const { status, body } = await ask(`{ stp(code: "QZZ") { name } }`);
    expect(status).toBe(200);
    expect(body.data).toEqual({ stp: null });
    expect(body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('refuses an oversized body with 413', async () => {
    const res = await fetch(graph.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ __typename }`, padding: 'x'.repeat(1_100_000) }),
    });
    expect(res.status).toBe(413);
  });

  it('reports liveness and readiness, with a request id on every response', async () => {
    const live = await fetch(new URL('/health/live', graph.gatewayUrl));
    expect(live.status).toBe(200);
    const ready = await fetch(new URL('/health/ready', graph.gatewayUrl));
    expect(await ready.json()).toMatchObject({ status: 'ready', ready: true });
    expect(ready.headers.get('x-request-id')).toMatch(/[0-9a-f-]{36}/);
  });
});

describe('a subgraph going down', () => {
  it('returns the rest of the data with an error on the affected fields, and recovers', async () => {
    const geography = graph.subgraphs.geography;
    if (!geography) throw new Error('geography is not configured');
    const port = geography.port;
    await geography.close();
    try {
      const { status, body } = await ask(`{ stp(code: "QJM") { name } }`);
      expect(status).toBe(200);
      expect(body.data).toEqual({ stp: null });
      expect(body.errors?.[0]?.message).toMatch(/geography|ECONNREFUSED|fetch failed/i);
      // Still ready (every replica failing readiness would take the whole graph offline), but degraded, saying why.
      const ready = await fetch(new URL('/health/ready', graph.gatewayUrl));
      expect(ready.status).toBe(200);
      const report = (await ready.json()) as { status: string; ready: boolean; checks: Record<string, unknown> };
      expect(report).toMatchObject({ status: 'degraded', ready: true, checks: { finance: true, workforce: true } });
      expect(report.checks.geography).toMatch(/ECONNREFUSED|fetch failed/);
    } finally {
      // Bring it back on the same port: the gateway recovers without a restart.
      const { startSubgraph } = await import('@nhs-hub/kit/subgraph');
      const definition = await loadSubgraph(
        readGraphConfig().find((e) => e.name === 'geography') ??
          readGraphConfig()[0] ??
          expect.fail('no subgraphs configured'),
      );
      const restarted = await startSubgraph(definition, {
        database: graph.hub.database,
        schemaName: geography.schemaName,
        port,
        seed: false,
      });
      extraServers.push(restarted);
    }
    const { body } = await ask(`{ stp(code: "QJM") { name } }`);
    expect(body.data).toEqual({ stp: { name: 'Lincolnshire' } });
  });
});

describe('hostile documents', () => {
  it('refuses a document nested deeper than the limit, saying which limit, the figures and how to stay under it', async () => {
    let selection = 'code';
    for (let i = 0; i < 8; i++) selection = `successor { predecessors { ${selection} } }`;
    const res = await ask(`{ stp(code: "QJM") { ${selection} } }`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      errors: [
        {
          message:
            'Depth limit exceeded: 18 levels of nesting, the limit is 12. Nest fewer levels; fetch the inner objects with a second query by their code.',
          extensions: {
            code: 'QUERY_LIMIT_EXCEEDED',
            limit: 'maxDepth',
            max: 12,
            found: 18,
            requestId: expect.any(String),
          },
        },
      ],
    });
  });

  it('refuses a document with too many aliases, saying which limit, the figures and how to stay under it', async () => {
    const aliases = Array.from({ length: 60 }, (_, i) => `a${i}: stp(code: "QJM") { code }`).join(' ');
    const res = await ask(`{ ${aliases} }`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      errors: [
        {
          message:
            'Alias limit exceeded: 60 aliases, the limit is 40. Use fewer aliases: fetch lists (e.g. `stps(first:)`) instead of one alias per item.',
          extensions: {
            code: 'QUERY_LIMIT_EXCEEDED',
            limit: 'maxAliases',
            max: 40,
            found: 60,
            requestId: expect.any(String),
          },
        },
      ],
    });
  });

  it('refuses a long string literal, and a long document before it is parsed, saying which limit and the figures', async () => {
    const literal = await ask(`{ stp(code: "${'Q'.repeat(2_000)}") { name } }`);
    expect(literal.status).toBe(400);
    expect(literal.body).toEqual({
      errors: [
        {
          message:
            'String literal limit exceeded: 2000 characters, the limit is 1000. Codes, dates and names are short; pass long text as a variable if you really need it.',
          locations: expect.any(Array),
          extensions: {
            code: 'QUERY_LIMIT_EXCEEDED',
            limit: 'maxStringLength',
            max: 1000,
            found: 2000,
            requestId: expect.any(String),
          },
        },
      ],
    });
    // A 300 kB literal (the soak's hostile kind) never reaches the parser, nor its cache.
    const document = `{ stp(code: "${'Q'.repeat(300_000)}") { name } }`;
    const long = await ask(document);
    expect(long.status).toBe(400);
    expect(long.body).toEqual({
      errors: [
        {
          message: `Document length limit exceeded: ${document.length} characters, the limit is 50000. Send a shorter document: select fewer fields, or pass long values as variables.`,
          extensions: {
            code: 'QUERY_LIMIT_EXCEEDED',
            limit: 'maxDocumentLength',
            max: 50000,
            found: document.length,
            requestId: expect.any(String),
          },
        },
      ],
    });
  });

  it('refuses a document with too many directives, saying which limit, the figures and how to stay under it', async () => {
    const directives = Array.from({ length: 50 }, () => '@include(if: true)').join(' ');
    const res = await ask(`{ stp(code: "QJM") { code ${directives} } }`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      errors: [
        {
          message:
            'Directive limit exceeded: 50 directives, the limit is 40. Use fewer directives (@include/@skip) in one document.',
          extensions: {
            code: 'QUERY_LIMIT_EXCEEDED',
            limit: 'maxDirectives',
            max: 40,
            found: 50,
            requestId: expect.any(String),
          },
        },
      ],
    });
  });

  it('refuses a document over the cost limit as what it is (never a syntax error), and a smaller `first` answers', async () => {
    // Demand control (plugins/demand-control.ts): each object 1, times the lists around it; a page
    // is `first` long, an STP's priorities 12, a priority's programmes 4, a programme's STPs 20.
    // 1 + first x (1 + 12 x (1 + 4 x (1 + 20))) = 1 + 1021 x first.
    const costly = (first: number) =>
      `{ stps(first: ${first}) { nodes { priorities { programmes { stps { code } } } } } }`;
    const res = await ask(costly(100));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      errors: [
        {
          message:
            'Query cost limit exceeded: estimated cost 102101, the limit is 30000. Ask for fewer items per list (a smaller `first`) or fewer nested lists (a list inside a list multiplies); split the query if you need all of it.',
          extensions: {
            code: 'QUERY_LIMIT_EXCEEDED',
            limit: 'maxCost',
            max: 30_000,
            found: 102_101,
            requestId: expect.any(String),
          },
        },
      ],
    });
    expect(JSON.stringify(res.body)).not.toMatch(/syntax/i);
    // The advice works: the same query with a smaller `first` costs 20,421 and answers.
    const smaller = await ask<{ stps: { nodes: unknown[] } }>(costly(20));
    expect(smaller.status).toBe(200);
    expect(smaller.body.errors).toBeUndefined();
    expect(smaller.body.data?.stps.nodes).toHaveLength(20);
  });

  it('refuses batched requests', async () => {
    const res = await fetch(graph.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
    });
    expect(res.status).toBe(400);
  });

  // Both were 500s until the fuzz test below found them.
  it('refuses a mutation on this read-only graph, and an unknown operation name, as client errors', async () => {
    const mutation = await ask('mutation { deleteEverything }');
    expect(mutation.status).toBe(400);
    expect(mutation.body.errors?.[0]?.message).toBe('This graph has no mutation operations: it is read-only.');
    const res = await fetch(graph.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query A { stps { totalCount } }', operationName: 'B' }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]).toMatchObject({
      message: 'Unknown operation named "B".',
      extensions: { code: 'OPERATION_RESOLUTION_FAILURE' },
    });
  });

  it('answers 2,000 generated hostile and malformed requests without a 5xx, each in bounded time', async () => {
    const requests = hostileRequests(2_000);
    const kinds = new Set(requests.map((r) => r.kind));
    expect(kinds.size).toBeGreaterThanOrEqual(12);
    let slowestMs = 0;
    for (const { kind, body } of requests) {
      const started = performance.now();
      const res = await fetch(graph.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(5_000),
      });
      const answer = await res.text();
      slowestMs = Math.max(slowestMs, performance.now() - started);
      expect(res.status, `${kind}: ${body.slice(0, 300)} -> ${answer.slice(0, 500)}`).toBeLessThan(500);
    }
    expect(slowestMs).toBeLessThan(5_000);
    const { body } = await ask(`{ stp(code: "QJM") { name } }`);
    expect(body.data).toEqual({ stp: { name: 'Lincolnshire' } });
  }, 120_000);
});

describe('oversized documents', () => {
  it('refuses a document with more tokens than the limit without a 500', async () => {
    const fields = Array.from({ length: 4_100 }, () => 'code').join(' ');
    const { status, body } = await ask(`{ stp(code: "QJM") { ${fields} } }`);
    expect(status).toBe(400);
    expect(body.errors?.[0]?.message).toMatch(
      /^Token limit exceeded: more than 4000 tokens, the limit is 4000\. Send a shorter document/,
    );
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'maxTokens', max: 4000 });
  });
});

describe('a literal a subgraph scalar refuses', () => {
  const MALFORMED = '{ stp(code: "QJM") { region(asOf: "2019-13-45") { name } } }';
  it.each(['development', 'production'])(
    "answers with the subgraph's own message and BAD_USER_INPUT at the top level, and nothing internal (%s)",
    async (mode) => {
      const { status, body } = await withNodeEnv(mode, () => ask(MALFORMED));
      // The caller's input, refused as such: a GraphQL error with HTTP 200, as for an unknown code.
      expect(status).toBe(200);
      expect(body.data).toEqual({ stp: null });
      expect(body.errors).toHaveLength(1);
      const [error] = body.errors ?? [];
      expect(error?.message).toBe('Date must be an ISO 8601 calendar date such as "2018-06-01"; got "2019-13-45"');
      expect(error?.path).toEqual(['stp']);
      expect(error?.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        requestId: expect.any(String),
        serviceName: 'geography',
      });
      expect(JSON.stringify(body)).not.toMatch(INTERNALS);
    },
  );
});

describe('error polish for frontends', () => {
  it('refuses a malformed Date variable as a 400 request error naming it, before any subgraph is asked', async () => {
    const { status, body } = await ask(
      'query($code: ID!, $asOf: Date) { stp(code: $code) { region(asOf: $asOf) { name } } }',
      {
        code: 'QJM',
        asOf: '2019-13-45',
      },
    );
    expect(status).toBe(400);
    expect(body.data).toBeUndefined();
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]?.message).toBe(
      'Variable "$asOf" got invalid value "2019-13-45"; Expected type "Date". Date must be an ISO 8601 calendar date such as "2018-06-01"; got "2019-13-45"',
    );
    expect(body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', requestId: expect.any(String) });
    // A date that does not exist is refused the same way; a real one answers.
    expect((await ask('query($d: Date) { regions(asOf: $d) { code } }', { d: '2018-02-30' })).status).toBe(400);
    expect((await ask('query($d: Date) { regions(asOf: $d) { code } }', { d: '2018-06-01' })).status).toBe(200);
  });

  it('answers an unknown region asked for twice (RegionOverview) with one error naming both fields', async () => {
    const { status, body } = await ask(
      'query($code: ID!) { region(code: $code) { name } regionSnapshot(code: $code) { asOf } }',
      { code: 'Y99' },
    );
    expect(status).toBe(200);
    expect(body.data).toEqual({ region: null, regionSnapshot: null });
    expect(body.errors).toHaveLength(1);
    const [error] = body.errors ?? [];
    expect(error).toMatchObject({
      message: "Region not found: no NHS England region has the ODS or ONS code 'Y99'",
      extensions: { code: 'NOT_FOUND' },
    });
    // The fields are fetched at once, so which failed first (the error's path) may vary; paths names both.
    const paths = (error?.extensions as { paths?: string[][] } | undefined)?.paths;
    expect(paths).toHaveLength(2);
    expect(paths).toEqual(expect.arrayContaining([['region'], ['regionSnapshot']]));
    expect(paths).toContainEqual(error?.path);
  });
});

describe('the introspection switch', () => {
  const SCHEMA = '{ __schema { queryType { name } } }';
  const refusal = {
    message: 'GraphQL introspection has been disabled, but the requested query contained the field "__schema".',
    extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
  };

  it('is on by default outside production', async () => {
    const { status, body } = await ask(SCHEMA);
    expect(status).toBe(200);
    expect(body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });

  it('refuses __schema and __type when off, saying so, and answers every other query', async () => {
    const gateway = await startGateway({
      supergraphSdl: graph.supergraphSdl,
      subgraphUrls: subgraphUrls(),
      port: 0,
      introspection: false,
    });
    try {
      const schema = await postGraphQL(gateway.url, SCHEMA);
      expect(schema.status).toBe(400);
      expect(schema.body.data).toBeUndefined();
      expect(schema.body.errors?.[0]).toMatchObject(refusal);
      const type = await postGraphQL(gateway.url, '{ __type(name: "Stp") { name } }');
      expect(type.status).toBe(400);
      expect(type.body.errors?.[0]?.message).toBe(
        'GraphQL introspection has been disabled, but the requested query contained the field "__type".',
      );
      // Only introspection is off: __typename is part of every answer a client may ask for.
      const plain = await postGraphQL(gateway.url, '{ stp(code: "QJM") { __typename name } }');
      expect(plain.body).toEqual({ data: { stp: { __typename: 'Stp', name: 'Lincolnshire' } } });
    } finally {
      await gateway.close();
    }
  });

  it('is off by default in production, and HUB_INTROSPECTION decides when set', async () => {
    expect(gatewaySettingsFromEnv(readEnv({})).introspection).toBeUndefined();
    expect(gatewaySettingsFromEnv(readEnv({ HUB_INTROSPECTION: 'true' })).introspection).toBe(true);
    expect(gatewaySettingsFromEnv(readEnv({ HUB_INTROSPECTION: 'false' })).introspection).toBe(false);
    await withNodeEnv('production', async () => {
      for (const introspection of [undefined, true]) {
        const gateway = await startGateway({
          supergraphSdl: graph.supergraphSdl,
          subgraphUrls: subgraphUrls(),
          port: 0,
          introspection,
        });
        try {
          const { status, body } = await postGraphQL(gateway.url, SCHEMA);
          if (introspection) expect(body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
          else {
            expect(status).toBe(400);
            expect(body.errors?.[0]).toMatchObject(refusal);
          }
        } finally {
          await gateway.close();
        }
      }
    });
  });
});

describe('a gateway process', () => {
  it('logs each request as one pino JSON line on stdout (request id, operation, status, duration, error codes), and takes HUB_INTROSPECTION from its environment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-gateway-log-'));
    const supergraphPath = join(dir, 'supergraph.graphql');
    writeFileSync(supergraphPath, graph.supergraphSdl);
    const gateway = startProcess({
      label: 'gateway (logging)',
      args: tsxArgs(join(REPO_ROOT, 'gateway/src/server.ts')),
      cwd: REPO_ROOT,
      env: {
        LOG_LEVEL: 'info',
        PORT: '0',
        HUB_CACHE: 'off',
        HUB_INTROSPECTION: 'false',
        HUB_SUPERGRAPH_PATH: supergraphPath,
        ...Object.fromEntries(
          Object.entries(graph.subgraphs).map(([name, s]) => [`SUBGRAPH_${name.toUpperCase()}_URL`, s.url]),
        ),
      },
    });
    try {
      const url = await gateway.ready;
      const send = (requestId: string, body: Record<string, unknown>) =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': requestId },
          body: JSON.stringify(body),
        }).then(async (res) => ({ status: res.status, body: await res.text() }));
      expect(
        await send('log-ok', { query: 'query StpName { stp(code: "QJM") { name } }', operationName: 'StpName' }),
      ).toEqual({
        status: 200,
        body: expect.stringMatching(
          /^\{"data":\{"stp":\{"name":"Lincolnshire"\}\},"extensions":\{"dataVersion":"[^"]+"\}\}$/,
        ),
      });
      expect((await send('log-not-found', { query: 'query Unknown { stp(code: "QZZ") { name } }' })).status).toBe(200);
      expect((await send('log-bad', { query: '{ stp(code: "QJM") { name ' })).status).toBe(400);
      expect((await send('log-introspection', { query: '{ __schema { queryType { name } } }' })).status).toBe(400);

      type RequestLine = Record<string, unknown> & { msg: string; requestId: string };
      const lines = async (): Promise<RequestLine[]> => {
        // Each request is logged once it has answered; the last may still be on its way to the pipe.
        for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
          const parsed = gateway
            .stdout()
            .split('\n')
            .filter((line) => line.startsWith('{'))
            .map((line) => JSON.parse(line) as RequestLine)
            .filter((line) => line.msg === 'graphql request');
          if (parsed.length >= 4) return parsed;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        throw new Error(`fewer than four request lines: ${gateway.output().slice(-2_000)}`);
      };
      const byId = new Map((await lines()).map((line) => [line.requestId, line]));
      const ok = byId.get('log-ok');
      expect(ok).toEqual({
        level: 30,
        time: expect.any(Number),
        pid: gateway.child.pid,
        service: 'gateway',
        requestId: 'log-ok',
        operationName: 'StpName',
        status: 200,
        durationMs: expect.any(Number),
        errors: [],
        msg: 'graphql request',
      });
      expect(ok?.durationMs).toBeGreaterThan(0);
      expect(byId.get('log-not-found')).toMatchObject({ operationName: null, status: 200, errors: ['NOT_FOUND'] });
      expect(byId.get('log-bad')).toMatchObject({ status: 400, errors: ['GRAPHQL_PARSE_FAILED'] });
      expect(byId.get('log-introspection')).toMatchObject({
        status: 400,
        // One per introspection field the document asks for.
        errors: expect.arrayContaining(['GRAPHQL_VALIDATION_FAILED']),
      });
    } finally {
      await gateway.stop('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});

import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startGateway } from './gateway.js';
import {
  needSystemTool,
  postGraphQL,
  SYSTEM_TOOLS,
  startTestGraph,
  type TestGraph,
  testDatabaseUrl,
} from './testing.js';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllSubgraphs } from './config.js';

/** Faults a deployed hub meets: a subgraph that hangs, a database that drops its connections, a shutdown mid-request. */
let graph: TestGraph;
let hanging: { url: string; server: Server; held: ServerResponse[] };

/** A subgraph that accepts connections and never answers: worse than one that is down. */
async function startHangingSubgraph(): Promise<typeof hanging> {
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    req.resume();
    held.push(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, server, held };
}

beforeAll(async () => {
  graph = await startTestGraph(await loadAllSubgraphs());
  hanging = await startHangingSubgraph();
});
afterAll(async () => {
  for (const res of hanging.held) res.destroy();
  hanging.server.closeAllConnections();
  await new Promise((resolve) => hanging.server.close(resolve));
  await graph.close();
});

function urlsWith(overrides: Record<string, string>): Record<string, string> {
  return { ...Object.fromEntries(Object.entries(graph.subgraphs).map(([name, s]) => [name, s.url])), ...overrides };
}

describe('a subgraph that hangs', () => {
  it('times out its fields only; queries that do not touch it are unaffected', async () => {
    const gateway = await startGateway({
      supergraphSdl: graph.supergraphSdl,
      subgraphUrls: urlsWith({ finance: hanging.url }),
      port: 0,
      subgraphTimeoutMs: 300,
    });
    try {
      const untouched = await postGraphQL(gateway.url, '{ stp(code: "QJM") { name priorities { title } } }');
      expect(untouched.body.errors).toBeUndefined();
      expect(untouched.body.data).toMatchObject({ stp: { name: 'Lincolnshire' } });

      const started = performance.now();
      const touched = await postGraphQL<{ stp: { name: string; financialGap: unknown } }>(
        gateway.url,
        '{ stp(code: "QJM") { name financialGap { combinedGbpM } } }',
      );
      const elapsedMs = performance.now() - started;
      expect(touched.status).toBe(200);
      expect(touched.body.data?.stp).toEqual({ name: 'Lincolnshire', financialGap: null });
      expect(touched.body.errors?.[0]?.message).toContain('Subgraph "finance" did not answer within 300 ms');
      // Bounded by the timeout, not by the hung subgraph.
      expect(elapsedMs).toBeLessThan(5_000);
    } finally {
      await gateway.close();
    }
  });
});

describe('the database dropping every connection (what a PostgreSQL restart looks like to the hub)', () => {
  it('is survived without restarting anything', async () => {
    const ask = () => postGraphQL(graph.gatewayUrl, '{ stp(code: "QJM") { name financialGap { combinedGbpM } } }');
    expect((await ask()).body.errors).toBeUndefined();
    const { database } = graph.hub;
    if (database.kind === 'postgres') {
      // From a connection of its own, end every other session on this database, as a restart does.
      const { Client } = await import('pg');
      const admin = new Client({ connectionString: testDatabaseUrl() });
      await admin.connect();
      const { rows } = await admin.query<{ n: number }>(
        'select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and application_name <> $1',
        ['nhs-hub-admin'],
      );
      await admin.end();
      expect(rows[0]?.n).toBeGreaterThan(0);
    } else {
      // Embedded PGlite has no connections to drop; the same query path must still answer.
      await sql`select 1`.execute(database.root);
    }
    // The pool discards dead connections and opens new ones; reads that were cut off are retried.
    const after = await ask();
    expect(after.body.errors).toBeUndefined();
    expect(after.body.data).toEqual({ stp: { name: 'Lincolnshire', financialGap: { combinedGbpM: '182' } } });
  });
});

describe('a read in flight when PostgreSQL drops its connection', () => {
  it.runIf(Boolean(testDatabaseUrl()))('is retried on a new connection and answers', async () => {
    const { Client } = await import('pg');
    const admin = new Client({
      connectionString: testDatabaseUrl(),
      application_name: 'faults-admin',
    });
    await admin.connect();
    try {
      const slow = sql<{ answer: number }>`select 42 as answer from pg_sleep(0.5)`.execute(graph.hub.database.root);
      await new Promise((resolve) => setTimeout(resolve, 150));
      const { rows } = await admin.query<{ n: number }>(
        "select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and query like '%pg_sleep(0.5)%'",
      );
      expect(rows[0]?.n).toBe(1);
      expect((await slow).rows).toEqual([{ answer: 42 }]);
    } finally {
      await admin.end();
    }
  });
});

describe('every idle connection dropped at once, as a restart does between requests', () => {
  // On PostgreSQL only; psql is the other process that terminates the connections.
  it.runIf(Boolean(testDatabaseUrl() && needSystemTool(SYSTEM_TOOLS.psql).path))(
    'answers the next reads, though the pool hands out connections that have not heard yet',
    async () => {
      const { execFileSync } = await import('node:child_process');
      const root = graph.hub.database.root;
      const reads = (n: number) =>
        Array.from({ length: n }, (_, i) => sql<{ answer: number }>`select ${i}::int as answer`.execute(root));
      // Fill the pool with open connections, idle once these reads end.
      await Promise.all(Array.from({ length: 8 }, () => sql`select pg_sleep(0.05)`.execute(root)));
      // Terminated from another process while this event loop is held: the pool cannot hear of it
      // before the next reads go out on those very connections, as under load.
      const terminated = execFileSync('psql', [
        testDatabaseUrl() ?? '',
        '-Atc',
        "select count(pg_terminate_backend(pid)) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and state = 'idle' and backend_type = 'client backend'",
      ]).toString();
      expect(Number(terminated)).toBeGreaterThan(1);
      expect((await Promise.all(reads(8))).map((r) => r.rows[0]?.answer)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    },
  );
});

describe('the request id and the token', () => {
  it('travel with the query into every subgraph it calls', async () => {
    // A recording proxy in front of each subgraph: what the gateway sends is what the subgraph gets.
    const seen: { subgraph: string; requestId: string | undefined; authorization: string | undefined }[] = [];
    const proxies: Server[] = [];
    const overrides: Record<string, string> = {};
    for (const [name, running] of Object.entries(graph.subgraphs)) {
      const proxy = createServer((req, res) => {
        // The gateway's own calls (the data version's /releases/version) are no caller's.
        if (req.method !== 'POST') {
          res.statusCode = 404;
          return void res.end();
        }
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', async () => {
          seen.push({
            subgraph: name,
            requestId: req.headers['x-request-id'] as string | undefined,
            authorization: req.headers.authorization,
          });
          const answer = await fetch(running.url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
            },
            body: Buffer.concat(chunks),
          });
          res.setHeader('content-type', 'application/json');
          res.end(await answer.text());
        });
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      proxies.push(proxy);
      overrides[name] = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/graphql`;
    }
    const gateway = await startGateway({
      supergraphSdl: graph.supergraphSdl,
      subgraphUrls: urlsWith(overrides),
      port: 0,
    });
    try {
      const { signTestToken, TEST_JWT_SECRET } = await import('@nhs-hub/kit/testing');
      process.env.HUB_JWT_SECRET ??= TEST_JWT_SECRET;
      const token = await signTestToken({ scope: 'stp:read' });
      const res = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'trace-every-hop', authorization: token },
        body: JSON.stringify({
          query:
            '{ stp(code: "QJM") { name leads { name } priorities { title } financialGap { combinedGbpM } workforceFacts { kind } } }',
        }),
      });
      expect(((await res.json()) as { errors?: unknown }).errors).toBeUndefined();
      expect(new Set(seen.map((s) => s.subgraph))).toEqual(
        new Set(['geography', 'organisations', 'programmes', 'finance', 'workforce']),
      );
      for (const hop of seen)
        expect(hop, hop.subgraph).toEqual({
          subgraph: hop.subgraph,
          requestId: 'trace-every-hop',
          authorization: token,
        });
    } finally {
      await gateway.close();
      for (const proxy of proxies) {
        proxy.closeAllConnections();
        await new Promise((resolve) => proxy.close(resolve));
      }
    }
  });
});

describe('graceful shutdown', () => {
  it('finishes a request in flight before the gateway stops, and refuses new connections after', async () => {
    const gateway = await startGateway({
      supergraphSdl: graph.supergraphSdl,
      subgraphUrls: urlsWith({ finance: hanging.url }),
      port: 0,
      subgraphTimeoutMs: 500,
    });
    const inFlight = postGraphQL<{ stp: { name: string } }>(
      gateway.url,
      '{ stp(code: "QJM") { name financialGap { combinedGbpM } } }',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closing = gateway.close();
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.body.data?.stp.name).toBe('Lincolnshire');
    const closeStarted = performance.now();
    await closing;
    // Not held open by the client's idle keep-alive connection until the forced close.
    expect(performance.now() - closeStarted).toBeLessThan(5_000);
    await expect(fetch(gateway.url, { method: 'POST' })).rejects.toThrow();
  });
});

describe('errors in production', () => {
  /** A subgraph that answers 200 with a body that is not GraphQL, quoting what a broken one might print. */
  let broken: Server;
  beforeAll(async () => {
    broken = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"data": at Object.<anonymous> (/srv/finance/node_modules/pg/lib/client.js:1:1) select secret');
    });
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise((resolve) => broken.close(resolve)));

  type Answer = { data?: unknown; errors: { message: string; path?: unknown; extensions: Record<string, unknown> }[] };
  const inProduction = async (
    finance: string,
    ask: (url: string) => Promise<{ status: number; body: Answer }>,
  ): Promise<{ status: number; body: Answer }> => {
    const gateway = await startGateway({
      supergraphSdl: graph.supergraphSdl,
      subgraphUrls: urlsWith({ finance }),
      port: 0,
      subgraphTimeoutMs: 200,
    });
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      return await ask(gateway.url);
    } finally {
      process.env.NODE_ENV = previous;
      await gateway.close();
    }
  };
  const post = (body: Record<string, unknown>) => async (url: string) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'trace-me-123' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Answer };
  };
  const GAP = { query: '{ stp(code: "QJM") { name financialGap { combinedGbpM } } }' };
  /** GAP answered without finance: the rest of the data, and one error naming finance with the code README documents. */
  const withoutFinance = (message: string) => ({
    data: { stp: { name: 'Lincolnshire', financialGap: null } },
    errors: [
      {
        message,
        path: ['stp'],
        extensions: { code: 'SUBREQUEST_HTTP_ERROR', serviceName: 'finance', requestId: 'trace-me-123' },
      },
    ],
    extensions: { dataVersion: expect.stringMatching(/^geography\.\d+-/) },
  });
  const internals = /at [\w.<>]+ \(|node_modules|\/srv\/|select /;

  it('carry a stable code and the request id, and no stack trace or internals', async () => {
    const { status, body } = await inProduction(hanging.url, post(GAP));
    expect(status).toBe(200);
    expect(body).toEqual(withoutFinance('Subgraph "finance" did not answer within 200 ms'));
  });

  it('say a subgraph answered something unreadable without quoting it', async () => {
    const { status, body } = await inProduction(
      `http://127.0.0.1:${(broken.address() as AddressInfo).port}/graphql`,
      post(GAP),
    );
    expect(status).toBe(200);
    expect(body).toEqual(withoutFinance('Subgraph "finance" answered with something that is not a GraphQL response'));
    expect(JSON.stringify(body)).not.toMatch(internals);
  });

  it('keep persisted-query mistakes client errors (400) with their own codes, not "Internal server error"', async () => {
    const url = graph.subgraphs.finance?.url ?? '';
    for (const [version, code] of [
      [1, 'PERSISTED_QUERY_MISMATCH'],
      [2, 'PERSISTED_QUERY_VERSION_NOT_SUPPORTED'],
    ] as const) {
      const persistedQuery = { version, sha256Hash: 'a'.repeat(64) };
      const { status, body } = await inProduction(
        url,
        post({ query: '{ stps { totalCount } }', extensions: { persistedQuery } }),
      );
      expect(status, code).toBe(400);
      expect(body.errors[0]?.extensions).toEqual({ code, requestId: 'trace-me-123' });
      expect(body.errors[0]?.message).toMatch(version === 1 ? /does not hash to the sha256Hash/ : /version 2/);
    }
  });
});

describe('automatic persisted queries', () => {
  it('asks for the document once, then answers by hash alone', async () => {
    const query = '{ stp(code: "QOP") { name financialGap { combinedGbpM } } }';
    const { createHash } = await import('node:crypto');
    const persistedQuery = { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') };
    const send = (body: Record<string, unknown>) =>
      fetch(graph.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<{ data?: unknown; errors?: { extensions?: { code?: string } }[] }>);
    expect((await send({ extensions: { persistedQuery } })).errors?.[0]?.extensions?.code).toBe(
      'PERSISTED_QUERY_NOT_FOUND',
    );
    const expected = { stp: { name: 'Greater Manchester', financialGap: { combinedGbpM: '2000' } } };
    expect((await send({ query, extensions: { persistedQuery } })).data).toEqual(expected);
    expect((await send({ extensions: { persistedQuery } })).data).toEqual(expected);
  });

  it('answers a hash that does not match its document, and an unknown protocol version, as client errors (400)', async () => {
    const post = (body: Record<string, unknown>) =>
      fetch(graph.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const mismatch = await post({
      query: '{ stps { totalCount } }',
      extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } },
    });
    expect(mismatch.status).toBe(400);
    const mismatchBody = (await mismatch.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(mismatchBody.errors[0]?.extensions.code).toBe('PERSISTED_QUERY_MISMATCH');
    expect(mismatchBody.errors[0]?.message).toMatch(/does not hash to the sha256Hash/);
    const version = await post({
      query: '{ stps { totalCount } }',
      extensions: { persistedQuery: { version: 2, sha256Hash: 'a'.repeat(64) } },
    });
    expect(version.status).toBe(400);
    expect(((await version.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe(
      'PERSISTED_QUERY_VERSION_NOT_SUPPORTED',
    );
  });
});

describe('GET, as the README documents it', () => {
  const get = (params: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${graph.gatewayUrl}?${new URLSearchParams(params)}`, { headers });
  const preflighted = { 'apollo-require-preflight': 'true' };

  it('answers a query in ?query= with the preflight header, and refuses it without (CSRF)', async () => {
    const query = '{ stp(code: "QJM") { name } }';
    const refused = await get({ query });
    expect(refused.status).toBe(403);
    const refusal = (await refused.json()) as { errors: { message: string; extensions: { code: string } }[] };
    // A refusal of the caller's request, said as such and naming the header to send, even in production.
    expect(refusal.errors[0]?.extensions.code).toBe('BAD_REQUEST');
    expect(refusal.errors[0]?.message).toMatch(/Cross-Site Request Forgery.*apollo-require-preflight/);
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      const masked = (await (await get({ query })).json()) as { errors: { message: string }[] };
      expect(masked.errors[0]?.message).toMatch(/^This request has been blocked/);
    } finally {
      process.env.NODE_ENV = previous;
    }
    const answered = await get({ query }, preflighted);
    expect(answered.status).toBe(200);
    expect(await answered.json()).toEqual({
      data: { stp: { name: 'Lincolnshire' } },
      extensions: { dataVersion: expect.any(String) },
    });
    // Without the response cache nothing would tell a browser that a load changed the data.
    expect(answered.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers a persisted hash once the document is known, and never lets an error be kept', async () => {
    const query = '{ stp(code: "QHL") { name } }';
    const { createHash } = await import('node:crypto');
    const extensions = JSON.stringify({
      persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') },
    });
    const unknown = await get({ extensions }, preflighted);
    expect(((await unknown.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe(
      'PERSISTED_QUERY_NOT_FOUND',
    );
    expect(unknown.headers.get('cache-control')).toBe('no-store');
    expect((await get({ query, extensions }, preflighted)).status).toBe(200);
    const byHash = await get({ extensions }, preflighted);
    expect(byHash.status).toBe(200);
    expect(await byHash.json()).toEqual({
      data: { stp: { name: 'Birmingham and Solihull' } },
      extensions: { dataVersion: expect.any(String) },
    });
  });
});

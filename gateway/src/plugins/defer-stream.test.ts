import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadAllSubgraphs, REPO_ROOT } from '../config.js';
import { type RunningGateway, startGateway } from '../gateway.js';
import {
  type GraphQLResponseBody,
  needSystemTool,
  postGraphQL,
  SYSTEM_TOOLS,
  signTestToken,
  startTestGraph,
  TEST_JWT_SECRET,
  type TestGraph,
} from '../testing.js';
import { asksIncremental } from './defer-stream.js';

/**
 * `@defer` and `@stream` through the real stack: every subgraph, and a gateway that reaches finance
 * through a proxy which holds finance's answers while the test says so, so "the first part came
 * before finance answered" is a fact of the run rather than a race of timers.
 */
process.env.HUB_JWT_SECRET = TEST_JWT_SECRET;
const CHROMIUM = needSystemTool(SYSTEM_TOOLS.chromium).path;
/** What Apollo Client 4 sends with Defer20220824Handler. */
const MULTIPART = 'multipart/mixed;deferSpec=20220824,application/graphql-response+json,application/json;q=0.9';
const STP_OVERVIEW = readFileSync(`${REPO_ROOT}schema/operations/StpOverview.graphql`, 'utf8');
/** StpOverview with its finance part (the gap and the gap per head) deferred, as a page would ask it. */
const DEFERRED_OVERVIEW = STP_OVERVIEW.replace(
  '    financialGap {',
  '    ... @defer(label: "finance") {\n    financialGap {',
).replace(/( {4}gapPerHeadDerived \{\n[^}]*\})/, '$1\n    }');
const LONDON_STPS = '{ region(code: "Y56") { code name stps { code name } } }';
const STREAMED_STPS = LONDON_STPS.replace('stps {', 'stps @stream(initialCount: 2) {');
/** A regional director's rankings, deferred behind the region's name. */
const RANKINGS = `query Rankings { region(code: "Y60") { name } ... @defer { regionSnapshot(code: "Y60", asOf: "2020-01-01") {
  regionCode financialSummary { combinedGapGbpM rankings { rank stpCode valueGbpM } } } } }`;

type Path = readonly (string | number)[];
interface Part extends GraphQLResponseBody {
  readonly hasNext: boolean;
  readonly incremental?: readonly {
    readonly data?: Record<string, unknown>;
    readonly items?: readonly unknown[];
    readonly path: Path;
    readonly errors?: GraphQLResponseBody['errors'];
  }[];
}

/** A multipart/mixed answer's parts as they arrive, with when. JSON never holds a raw line break, so "\r\n---" only ever delimits. */
async function* partsOf(response: Response): AsyncGenerator<{ readonly at: number; readonly part: Part }> {
  const reader = response.body?.getReader();
  if (!reader) throw new Error('no body');
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffered += decoder.decode(value, { stream: true });
    for (;;) {
      const start = buffered.indexOf('\r\n---');
      const end = start < 0 ? -1 : buffered.indexOf('\r\n---', start + 5);
      if (end < 0) break;
      const segment = buffered.slice(start + 5, end);
      buffered = buffered.slice(end);
      yield { at: performance.now(), part: JSON.parse(segment.slice(segment.indexOf('\r\n\r\n') + 4)) as Part };
    }
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const at = (data: unknown, path: Path): unknown =>
  path.reduce<unknown>(
    (node, key) => (isRecord(node) || Array.isArray(node) ? Reflect.get(node, key) : undefined),
    data,
  );
function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (isRecord(existing) && isRecord(value)) mergeInto(existing, value);
    else target[key] = value;
  }
}
/** The whole answer an incremental one adds up to: each deferred part merged at its path, each streamed item put in its place. */
function merged(parts: readonly Part[]): { data: unknown; errors: NonNullable<Part['errors']> } {
  const [first, ...rest] = parts;
  const data: unknown = structuredClone(first?.data);
  const errors = [...(first?.errors ?? [])];
  for (const { incremental = [] } of rest)
    for (const piece of incremental) {
      errors.push(...(piece.errors ?? []));
      if (piece.items) {
        const list = at(data, piece.path.slice(0, -1));
        if (Array.isArray(list)) list.splice(Number(piece.path.at(-1)), 0, ...piece.items);
      } else {
        const target = at(data, piece.path);
        if (isRecord(target) && piece.data) mergeInto(target, piece.data);
      }
    }
  return { data, errors };
}

/** A subgraph behind a proxy that, while held, keeps its GraphQL answers back until released. */
async function holdingProxy(target: string) {
  let gate: { readonly opened: Promise<void>; readonly open: () => void } | null = null;
  let waiting = 0;
  let asked = 0;
  let down = false;
  const bodyOf = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };
  const server: Server = createServer(async (req, res) => {
    const body = await bodyOf(req);
    const graphql = req.method === 'POST';
    if (graphql) asked++;
    if (graphql && gate) {
      waiting++;
      await gate.opened;
      waiting--;
    }
    if (graphql && down) {
      res.writeHead(502, { 'content-type': 'text/html' });
      return void res.end('<h1>502 Bad Gateway</h1>');
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers).flatMap(([k, v]) =>
        typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k) ? [[k, v]] : [],
      ),
    );
    const answer = await fetch(new URL(req.url ?? '/', target), {
      method: req.method,
      headers,
      ...(graphql ? { body } : {}),
    });
    const kept = [...answer.headers].filter(
      ([k]) => !['content-length', 'content-encoding', 'transfer-encoding'].includes(k),
    );
    res.writeHead(answer.status, Object.fromEntries(kept));
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    hold() {
      let open: () => void = () => {};
      const opened = new Promise<void>((resolve) => {
        open = resolve;
      });
      gate = { opened, open };
    },
    release() {
      gate?.open();
      gate = null;
    },
    /** Answers every GraphQL call 502 with a proxy's HTML page, as a subgraph down behind a load balancer does. */
    fail(on: boolean) {
      down = on;
    },
    waiting: () => waiting,
    asked: () => asked,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let graph: TestGraph;
let gateway: RunningGateway;
let finance: Awaited<ReturnType<typeof holdingProxy>>;

const postIncremental = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: MULTIPART, ...headers },
    body: JSON.stringify(body),
  });
const allParts = async (response: Response) => {
  const parts: Part[] = [];
  for await (const { part } of partsOf(response)) parts.push(part);
  return parts;
};

beforeAll(async () => {
  graph = await startTestGraph(await loadAllSubgraphs());
  finance = await holdingProxy(graph.subgraphs.finance?.url ?? '');
  gateway = await startGateway({
    supergraphSdl: graph.supergraphSdl,
    subgraphUrls: {
      ...Object.fromEntries(Object.entries(graph.subgraphs).map(([n, s]) => [n, s.url])),
      finance: finance.url,
    },
    port: 0,
    cache: { ttlMs: 60_000 },
  });
}, 120_000);
afterAll(async () => {
  finance?.release();
  await gateway?.close();
  await finance?.close();
  await graph?.close();
});

describe('which documents ask for incremental delivery', () => {
  it('is told by the tokens: @defer and @stream count, a mention in a comment or a string does not', () => {
    expect(asksIncremental(DEFERRED_OVERVIEW)).toBe(true);
    expect(asksIncremental(STREAMED_STPS)).toBe(true);
    expect(asksIncremental('{ stp(code: "QJM") { ...@defer { name } } }')).toBe(true);
    expect(asksIncremental(STP_OVERVIEW)).toBe(false);
    expect(asksIncremental('# no @defer here\n{ stp(code: "@defer") { name } }')).toBe(false);
    expect(asksIncremental('{ stp(code: "QJM) { ... @defer { name } } }')).toBe(false);
  });
});

describe('@defer and @stream through the gateway', () => {
  it("sends StpOverview's geography first and its finance part when finance answers; together they are the undeferred answer", async () => {
    const whole = await postGraphQL(gateway.url, STP_OVERVIEW, { code: 'QJM' });
    expect(whole.status).toBe(200);
    expect(whole.body.errors).toBeUndefined();
    // The second runtime is built by the first document that asks for it, not before.
    expect(gateway.incremental.built()).toBe(false);

    finance.hold();
    const response = await postIncremental({ query: DEFERRED_OVERVIEW, variables: { code: 'QJM' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^multipart\/mixed/);
    const parts = partsOf(response);
    const first = (await parts.next()).value;
    if (!first) throw new Error('no first part');
    // Finance has been asked for the deferred part and not answered: the first part did not wait for it.
    await vi.waitFor(() => expect(finance.waiting()).toBeGreaterThan(0));
    const releasedAt = performance.now();
    finance.release();
    const rest: Part[] = [];
    let lastAt = 0;
    for await (const { at: when, part } of parts) {
      rest.push(part);
      lastAt = when;
    }

    const stp = first.part.data?.stp;
    expect(first.at).toBeLessThan(releasedAt);
    expect(lastAt).toBeGreaterThan(releasedAt);
    expect(first.part.hasNext).toBe(true);
    expect(stp).toMatchObject({ code: 'QJM', name: 'Lincolnshire', population: 700000, region: { code: 'Y60' } });
    expect(stp).not.toHaveProperty('financialGap');
    expect(stp).not.toHaveProperty('gapPerHeadDerived');
    // The data version, once, in the first part, as on a whole answer.
    expect(first.part.extensions?.dataVersion).toBe(whole.body.extensions?.dataVersion);
    expect(rest.at(-1)?.hasNext).toBe(false);
    expect(rest.flatMap((p) => p.incremental ?? []).map((i) => i.path)).toEqual([['stp']]);
    const all = merged([first.part, ...rest]);
    expect(all.errors).toEqual([]);
    expect(all.data).toEqual(whole.body.data);
    expect(gateway.incremental.built()).toBe(true);
  });

  it("streams a list: the first two of London's STPs, then the rest, adding up to the whole list", async () => {
    const whole = await postGraphQL<{ region: { stps: unknown[] } }>(gateway.url, LONDON_STPS);
    const parts = await allParts(await postIncremental({ query: STREAMED_STPS }));
    expect(parts[0]?.hasNext).toBe(true);
    expect(at(parts[0]?.data, ['region', 'stps'])).toEqual(whole.body.data?.region.stps.slice(0, 2));
    expect(whole.body.data?.region.stps.length).toBeGreaterThan(2);
    expect(parts.length).toBeGreaterThan(1);
    expect(merged(parts).data).toEqual(whole.body.data);
    // A client that cannot read parts is told so, not sent a stream.
    const jsonOnly = await postIncremental({ query: STREAMED_STPS }, { accept: 'application/json' });
    expect(jsonOnly.status).toBe(406);
    expect(jsonOnly.headers.get('accept')).toContain('multipart/mixed');
  });

  it('refuses a hostile deferred document with the same 400 as the document undeferred, before any subgraph is asked', async () => {
    graph.resetCounters();
    const deep = `{ stp(code: "QJM") { ... @defer { ${'region { stps { '.repeat(7)}code${' } }'.repeat(7)} } } }`;
    const dear = '{ stps(first: 200) { nodes { code ... @defer { priorities { programmes { stps { code } } } } } } }';
    for (const [query, limit] of [
      [deep, 'maxDepth'],
      [dear, 'maxCost'],
    ] as const) {
      const response = await postIncremental({ query });
      expect(response.status).toBe(400);
      const [error] = ((await response.json()) as GraphQLResponseBody).errors ?? [];
      const [undeferred] = (await postGraphQL(gateway.url, query.replace('... @defer ', '... '))).body.errors ?? [];
      expect(error?.extensions).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit });
      const { requestId: _a, ...refusal } = error?.extensions ?? {};
      const { requestId: _b, ...same } = undeferred?.extensions ?? {};
      expect(refusal).toEqual(same);
      expect(error?.message).toBe(undeferred?.message);
    }
    expect(graph.statements()).toBe(0);
  });

  it("holds a restricted field back in its deferred part as in a whole answer: FORBIDDEN without the director's scope, the rankings with it", async () => {
    const director = await signTestToken({ scope: 'region:director' });
    const shape = (errors: GraphQLResponseBody['errors']) =>
      (errors ?? []).map((e) => ({ message: e.message, path: e.path, code: e.extensions?.code }));
    for (const token of [null, director]) {
      const headers: Record<string, string> = token ? { authorization: token } : {};
      const whole = await postGraphQL(gateway.url, RANKINGS.replace('... @defer ', '... '), {}, headers);
      const parts = await allParts(await postIncremental({ query: RANKINGS }, headers));
      expect(parts[0]?.data).toEqual({ region: { name: 'Midlands' } });
      const incremental = merged(parts);
      expect(incremental.data).toEqual(whole.body.data);
      expect(shape(incremental.errors)).toEqual(shape(whole.body.errors));
      if (token) {
        expect(incremental.errors).toEqual([]);
        expect(at(incremental.data, ['regionSnapshot', 'financialSummary', 'rankings', 0])).toMatchObject({ rank: 1 });
      } else {
        expect(shape(incremental.errors)).toEqual([
          expect.objectContaining({ code: 'FORBIDDEN', path: ['regionSnapshot', 'financialSummary', 'rankings'] }),
        ]);
        // Shaped by the error masking, as every error the gateway answers: the request's id, no stack in the part.
        expect(incremental.errors[0]?.extensions?.requestId).toEqual(expect.any(String));
      }
    }
  });

  it("shapes a deferred part's errors as a whole answer's: a malformed date is the caller's BAD_USER_INPUT, said as geography says it", async () => {
    const query = '{ stp(code: "QJM") { code ... @defer { regionOnDate: region(asOf: "2019-13-45") { code } } } }';
    const whole = await postGraphQL(gateway.url, query.replace('... @defer ', '... '));
    const parts = await allParts(await postIncremental({ query }));
    expect(parts[0]?.data).toEqual({ stp: { code: 'QJM' } });
    const [error] = merged(parts).errors;
    const [wholeError] = whole.body.errors ?? [];
    // The subgraph calls it GRAPHQL_VALIDATION_FAILED behind graphql-js's prefix; the error masking makes it this.
    expect(error).toMatchObject({ path: ['stp', 'regionOnDate'], extensions: { code: 'BAD_USER_INPUT' } });
    expect(error?.message).toBe('Date must be an ISO 8601 calendar date such as "2018-06-01"; got "2019-13-45"');
    expect(error?.message).toBe(wholeError?.message);
    expect(error?.extensions?.code).toBe(wholeError?.extensions?.code);
    expect(error?.extensions?.requestId).toEqual(expect.any(String));
  });

  it('carries a failed subgraph in its deferred part, the first part whole, with the error a whole answer has', async () => {
    finance.fail(true);
    try {
      // An STP no earlier test asked for: the response cache (on here) holds no answer for it.
      const whole = await postGraphQL(gateway.url, STP_OVERVIEW, { code: 'QKK' });
      const parts = await allParts(await postIncremental({ query: DEFERRED_OVERVIEW, variables: { code: 'QKK' } }));
      expect(parts[0]?.data?.stp).toMatchObject({ code: 'QKK', name: 'South East London' });
      expect(parts[0]?.errors).toBeUndefined();
      const deferredPart = parts.flatMap((p) => p.incremental ?? [])[0];
      expect(deferredPart?.data).toEqual({ financialGap: null, gapPerHeadDerived: null });
      const codes = (errors: GraphQLResponseBody['errors']) => [
        ...new Set((errors ?? []).map((e) => e.extensions?.code)),
      ];
      expect(codes(deferredPart?.errors)).toEqual(['SUBREQUEST_HTTP_ERROR']);
      expect(codes(deferredPart?.errors)).toEqual(codes(whole.body.errors));
      expect(deferredPart?.errors?.[0]?.message).toBe(whole.body.errors?.[0]?.message);
      // At the deferred field (Hive's JS executor names it twice: ["stp", "financialGap", "financialGap"]).
      expect(deferredPart?.errors?.map((e) => e.path?.slice(0, 2))).toEqual([['stp', 'financialGap']]);
    } finally {
      finance.fail(false);
    }
  });

  it('refuses, before any subgraph is asked, the deferred fragments the executor would answer wrongly', async () => {
    graph.resetCounters();
    for (const [query, said] of [
      // A type without a key: Hive's JS executor answers the deferred fields null, without an error.
      ['{ stp(code: "QJM") { financialGap { horizon ... @defer { combinedGbpM } } } }', '@defer on FinancialGap'],
      ['{ stp(code: "QJM") { leads { name ... @defer { organisation { name } } } } }', '@defer on StpLead'],
      // An entity without its key beside the fragment: the same.
      ['{ stp(code: "QJM") { name ... @defer { population } } }', '@defer on Stp needs its key (code)'],
      // A field whose @requires selects sub-fields: it sends geography an invalid document.
      [
        '{ regionSnapshot(code: "Y60", asOf: "2020-01-01") { regionCode asOf ... @defer { financialSummary { combinedGapGbpM } } } }',
        '@defer around RegionSnapshot.financialSummary',
      ],
    ] as const) {
      const response = await postIncremental({ query });
      expect(response.status).toBe(400);
      const body = (await response.json()) as GraphQLResponseBody;
      expect(body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(body.errors?.[0]?.message).toContain(said);
    }
    expect(graph.statements()).toBe(0);
  });

  it('never stores an incremental answer in the response cache (POST or GET), while the undeferred one is stored', async () => {
    const stats = gateway.cache?.stats;
    if (!stats) throw new Error('the response cache is on in this test');
    const before = { ...stats };
    for (let i = 0; i < 2; i++) {
      const response = await postIncremental({ query: DEFERRED_OVERVIEW, variables: { code: 'QMJ' } });
      expect(response.headers.get('content-type')).toMatch(/^multipart\/mixed/);
      expect((await allParts(response)).length).toBeGreaterThan(1);
    }
    // A GET streams too, and tells shared caches not to keep it.
    const search = new URLSearchParams({ query: DEFERRED_OVERVIEW, variables: JSON.stringify({ code: 'QMJ' }) });
    const get = await fetch(`${gateway.url}?${search}`, { headers: { accept: MULTIPART, 'graphql-preflight': '1' } });
    expect(get.headers.get('content-type')).toMatch(/^multipart\/mixed/);
    expect(get.headers.get('cache-control')).toBe('no-store');
    expect((await allParts(get)).length).toBeGreaterThan(1);
    expect(stats).toMatchObject({ hits: before.hits, stores: before.stores });
    await postGraphQL(gateway.url, STP_OVERVIEW, { code: 'QMJ' });
    expect(stats.stores).toBe(before.stores + 1);
  });

  it('answers a deferred document registered by its hash (automatic persisted queries) when it is asked by hash alone', async () => {
    const sha256Hash = createHash('sha256').update(DEFERRED_OVERVIEW).digest('hex');
    const extensions = { persistedQuery: { version: 1, sha256Hash } };
    const registered = await postIncremental({ query: DEFERRED_OVERVIEW, variables: { code: 'QJM' }, extensions });
    expect(registered.headers.get('content-type')).toMatch(/^multipart\/mixed/);
    const whole = merged(await allParts(registered));
    const byHash = await postIncremental({ variables: { code: 'QJM' }, extensions });
    expect(byHash.headers.get('content-type')).toMatch(/^multipart\/mixed/);
    expect(merged(await allParts(byHash))).toEqual(whole);
  });
});

describe('the shapes of @defer and @stream the gateway lets through', () => {
  /** Each answered, parts merged, exactly as the document without the directives (checked one by one on this graph). */
  const SHAPES = [
    '{ stp(code: "QJM") { code ... @defer { name population } } }',
    '{ stp(code: "QJM") { code ... @defer { gapPerHeadDerived { gbpPerPerson } } } }',
    '{ stps(first: 3) { nodes { code ... @defer { financialGap { combinedGbpM } } } } }',
    '{ ... @defer { stp(code: "QJM") { name } } }',
    '{ region(code: "Y60") { code stps @stream(initialCount: 1) { code financialGap { combinedGbpM } } } }',
    '{ stp(code: "QJM") { code ... @defer(label: "a") { name ... @defer(label: "b") { financialGap { combinedGbpM } } } } }',
    '{ stp(code: "QJM") { ...Key ...Gap @defer } } fragment Key on Stp { code } fragment Gap on Stp { financialGap { combinedGbpM } }',
    '{ stp(code: "QJM") { code leads { name organisation { id ... @defer { name kind } } } } }',
    '{ stps(first: 10) { nodes @stream(initialCount: 2) { code ... @defer { financialGap { combinedGbpM } } } } }',
    '{ stp(code: "QJM") { code ... @defer { priorities @stream(initialCount: 1) { title programmes @stream { code } } } } }',
    '{ regionSnapshot(code: "Y60", asOf: "2020-01-01") { regionCode asOf ... @defer { stps { code name } } } }',
  ];
  it.each(SHAPES)('%s', async (query) => {
    const whole = await postGraphQL(gateway.url, query.replace(/ @defer(\([^)]*\))?| @stream(\([^)]*\))?/g, ''));
    const parts = await allParts(await postIncremental({ query }));
    expect(parts.length).toBeGreaterThan(1);
    expect(merged(parts)).toEqual({ data: whole.body.data, errors: [] });
  });
});

describe.skipIf(!CHROMIUM)('Apollo Client 4 in Chromium', () => {
  let browser: Browser;
  let pages: Server;
  let origin = '';
  beforeAll(async () => {
    // As a frontend team bundles it: Apollo Client with the 2022-08-24 @defer handler and the hub client's type policies.
    const built = await build({
      stdin: {
        contents: `import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
          import { Defer20220824Handler } from '@apollo/client/incremental';
          import { typePolicies } from '@nhs-hub/client';
          window.seen = [];
          window.watch = (uri, query, variables) => {
            const client = new ApolloClient({
              link: new HttpLink({ uri }),
              cache: new InMemoryCache({ typePolicies }),
              incrementalHandler: new Defer20220824Handler(),
            });
            client.watchQuery({ query: gql(query), variables }).subscribe((r) =>
              window.seen.push({ at: performance.now(), dataState: r.dataState, data: r.data, error: r.error && String(r.error) }));
          };`,
        resolveDir: `${REPO_ROOT}gateway`,
        loader: 'js',
      },
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'browser',
      define: { 'process.env.NODE_ENV': '"production"' },
      logLevel: 'silent',
    });
    const script = built.outputFiles[0]?.text ?? '';
    pages = createServer((req, res) => {
      res.setHeader('content-type', req.url === '/app.js' ? 'text/javascript' : 'text/html');
      res.end(req.url === '/app.js' ? script : '<!doctype html><script src="/app.js"></script>');
    });
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
    // localhost is another origin than the gateway's 127.0.0.1, as a team's app would be.
    origin = `http://localhost:${(pages.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM ?? undefined,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    pages?.closeAllConnections();
    await new Promise((resolve) => pages?.close(resolve));
  });

  type Seen = { at: number; dataState: string; data?: { stp?: Record<string, unknown> }; error?: string };
  const withoutTypenames = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(withoutTypenames)
      : isRecord(value)
        ? Object.fromEntries(
            Object.entries(value).flatMap(([k, v]) => (k === '__typename' ? [] : [[k, withoutTypenames(v)]])),
          )
        : value;

  it("shows StpOverview's geography while finance is still answering, then the whole of it", async () => {
    const whole = await postGraphQL(gateway.url, STP_OVERVIEW, { code: 'QJM' });
    const page = await browser.newPage();
    try {
      await page.goto(origin);
      await page.waitForFunction(() => 'watch' in window);
      finance.hold();
      await page.evaluate(
        ([uri, query]) =>
          (window as unknown as { watch(u: string, q: string, v: unknown): void }).watch(uri, query, { code: 'QJM' }),
        [gateway.url, DEFERRED_OVERVIEW] as const,
      );
      const seen = () => page.evaluate(() => (window as unknown as { seen: Seen[] }).seen);
      await page.waitForFunction(() =>
        (window as unknown as { seen: Seen[] }).seen.some((s) => s.dataState === 'streaming'),
      );
      // The page has geography's part; finance has been asked and holds its answer.
      await vi.waitFor(() => expect(finance.waiting()).toBeGreaterThan(0));
      const streaming = (await seen()).find((s) => s.dataState === 'streaming');
      expect(streaming?.data?.stp).toMatchObject({ name: 'Lincolnshire', region: { code: 'Y60', name: 'Midlands' } });
      expect(streaming?.data?.stp).not.toHaveProperty('financialGap');
      expect((await seen()).some((s) => s.dataState === 'complete')).toBe(false);
      finance.release();
      await page.waitForFunction(() =>
        (window as unknown as { seen: Seen[] }).seen.some((s) => s.dataState === 'complete'),
      );
      const complete = (await seen()).find((s) => s.dataState === 'complete');
      expect(complete?.error).toBeUndefined();
      expect(withoutTypenames(complete?.data)).toEqual(whole.body.data);
    } finally {
      finance.release();
      await page.close();
    }
  }, 60_000);
});

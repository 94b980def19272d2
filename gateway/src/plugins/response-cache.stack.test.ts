import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatewaySettingsFromEnv, startGateway } from '../gateway.js';
import {
  needService,
  postGraphQL,
  SYSTEM_TOOLS,
  signTestToken,
  type StartedProcess,
  startProcess,
  startTestGraph,
  TEST_JWT_SECRET,
  type TestGraph,
  tsxArgs,
} from '../testing.js';
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeGatewayCaches } from '@nhs-hub/kit/cache-purge';
import { readEnv } from '@nhs-hub/kit/env';
import { migrateOnce } from '@nhs-hub/kit/subgraph';
import { runLoadCommand } from '../../../scripts/load.js';
import { loadAllSubgraphs, REPO_ROOT } from '../config.js';

/** The gateway's response cache: hits, misses, scopes, purges after loads, Redis shared and Redis down. */
process.env.HUB_JWT_SECRET = TEST_JWT_SECRET;
const REDIS_URL = 'redis://127.0.0.1:6379';
// The tests of a shared Redis skip, in one line saying how to get one, where none listens (CI fails instead).
const redis = await needService(SYSTEM_TOOLS.redisService, { host: '127.0.0.1', port: 6379 });
const TTL_MS = 300_000;
const op = (name: string) => readFileSync(`${REPO_ROOT}schema/operations/${name}.graphql`, 'utf8');
const WORKFORCE = '{ stp(code: "QJM") { name workforceFacts { id qualifier } } }';
const temp = mkdtempSync(join(tmpdir(), 'hub-cache-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

type Workforce = { stp: { name: string; workforceFacts: { id: string; qualifier: string | null }[] } };
const qualifierOf = (data: Workforce | null | undefined, id: string) =>
  data?.stp.workforceFacts.find((f) => f.id === id)?.qualifier;

describe('a response cache in the gateway process', () => {
  let graph: TestGraph;
  beforeAll(async () => {
    graph = await startTestGraph(await loadAllSubgraphs(), { cache: { ttlMs: TTL_MS } });
  });
  afterAll(() => graph.close());

  it('stores an answer once, then answers the same operation and variables without asking any subgraph', async () => {
    const stats = graph.gateway.cache?.stats;
    if (!stats) throw new Error('the cache is off');
    const before = { ...stats };
    graph.resetCounters();
    const first = await postGraphQL(graph.gatewayUrl, op('StpOverview'), { code: 'QOP' });
    expect(first.body.errors).toBeUndefined();
    expect(graph.statements()).toBeGreaterThan(0);
    expect(stats.stores).toBe(before.stores + 1);
    expect(stats.hits).toBe(before.hits);

    graph.resetCounters();
    const second = await postGraphQL(graph.gatewayUrl, op('StpOverview'), { code: 'QOP' });
    expect(second.body).toEqual(first.body);
    expect(graph.statements()).toBe(0);
    expect(stats.hits).toBe(before.hits + 1);

    // Other variables are another answer.
    graph.resetCounters();
    const other = await postGraphQL<{ stp: { name: string } }>(graph.gatewayUrl, op('StpOverview'), { code: 'QJM' });
    expect(other.body.data?.stp.name).toBe('Lincolnshire');
    expect(graph.statements()).toBeGreaterThan(0);
  });

  it("never serves a director's answer to a caller without the scope", async () => {
    const rankings = (authorization?: string) =>
      postGraphQL<{ regionSnapshot: { financialSummary: { rankings: { stpCode: string }[] | null } } }>(
        graph.gatewayUrl,
        op('RegionRankings'),
        { code: 'Y60', asOf: '2020-01-01' },
        authorization ? { authorization } : {},
      );
    const director = await rankings(await signTestToken({ scope: 'region:director', sub: 'director-1' }));
    expect(director.body.data?.regionSnapshot.financialSummary.rankings?.[0]?.stpCode).toBe('QHL');
    const anonymous = await rankings();
    expect(anonymous.body.data?.regionSnapshot.financialSummary.rankings).toBeNull();
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const analyst = await rankings(await signTestToken({ scope: 'stp:read', sub: 'analyst' }));
    expect(analyst.body.data?.regionSnapshot.financialSummary.rankings).toBeNull();
    // Another director (same scopes) shares the first one's cached answer.
    graph.resetCounters();
    const another = await rankings(await signTestToken({ scope: 'region:director', sub: 'director-2' }));
    expect(another.body).toEqual(director.body);
    expect(graph.statements()).toBe(0);
  });

  it("never serves a director's cached answer to a token whose one scope has a space in it", async () => {
    // Issue 23: roles ["openid region:director"] was FORBIDDEN alone, but served the director's
    // cached rankings after them while the session was the scopes joined with spaces.
    const variables = { code: 'Y61', asOf: '2020-01-01' };
    const rankings = (authorization?: string) =>
      postGraphQL<{ regionSnapshot: { financialSummary: { rankings: { stpCode: string }[] | null } } }>(
        graph.gatewayUrl,
        op('RegionRankings'),
        variables,
        authorization ? { authorization } : {},
      );
    const spaced = `Bearer ${await new SignJWT({ roles: ['openid region:director'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('spaced')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(TEST_JWT_SECRET))}`;
    const alone = await rankings(spaced);
    expect(alone.body.data?.regionSnapshot.financialSummary.rankings).toBeNull();
    expect(alone.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const director = await rankings(await signTestToken({ scope: 'region:director', sub: 'director-3' }));
    expect(director.body.data?.regionSnapshot.financialSummary.rankings?.length).toBeGreaterThan(0);
    const after = await rankings(spaced);
    expect(after.body.data?.regionSnapshot.financialSummary.rankings).toBeNull();
    expect(after.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it("answers an anonymous If-None-Match of a director's ETag in full, never 304", async () => {
    // Issue 23: the ETag was an oracle: 304 exactly when a director had run the query.
    const body = JSON.stringify({
      query: op('RegionRankings'),
      variables: { code: 'Y60', asOf: '2019-06-01' },
    });
    const post = (headers: Record<string, string>) =>
      fetch(graph.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const director = await post({
      authorization: await signTestToken({ scope: 'region:director', sub: 'director-4' }),
    });
    expect(director.status).toBe(200);
    const etag = director.headers.get('etag');
    expect(etag).toMatch(/^"g.+"$/);
    // The director's own revalidation is a 304.
    const again = await post({
      authorization: await signTestToken({ scope: 'region:director', sub: 'director-4' }),
      'if-none-match': etag ?? '',
    });
    expect(again.status).toBe(304);
    const anonymous = await post({ 'if-none-match': etag ?? '' });
    expect(anonymous.status).toBe(200);
    expect(anonymous.headers.get('etag')).not.toBe(etag);
    const answer = (await anonymous.json()) as { errors?: { extensions?: { code?: string } }[] };
    expect(answer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('lets nobody without a credential purge it', async () => {
    const purge = (headers: Record<string, string> = {}) =>
      fetch(new URL('/admin/cache/purge', graph.gatewayUrl), { method: 'POST', headers });
    expect((await purge()).status).toBe(401);
    expect((await purge({ authorization: await signTestToken({ scope: 'region:director' }) })).status).toBe(403);
    expect((await purge({ authorization: 'Bearer forged.token.here' })).status).toBe(401);
    const ok = await purge({ authorization: await signTestToken({ scope: 'hub:cache:purge' }) });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ purged: true, store: 'memory', dataVersion: expect.any(String) });
  });

  it('shows a load to the very next request: npm run load purges the cache', async () => {
    const cached = await postGraphQL<Workforce>(graph.gatewayUrl, WORKFORCE);
    expect(qualifierOf(cached.body.data, 'workforce.QJM.1')).toBe('≈');
    const row = {
      id: 'workforce.QJM.1',
      stp_code: 'QJM',
      kind: 'VACANCY_RATE',
      value: '9',
      unit: 'PERCENT',
      qualifier: 'about',
      statement: 'high vacancy rate ≈ 9%',
      source_document: 'seeds/000_647e8cd618725ea4.txt',
      source_line: 34,
    };
    writeFileSync(join(temp, 'changed.json'), JSON.stringify([row]));
    const err: string[] = [];
    process.env.HUB_GATEWAY_URL = new URL(graph.gatewayUrl).origin;
    try {
      const code = await runLoadCommand(
        ['workforce', 'workforce_fact', 'changed.json', `--schema=${graph.subgraphs.workforce?.schemaName}`],
        {
          database: graph.hub.database,
          cwd: temp,
          stdout: () => undefined,
          stderr: (line) => err.push(line),
        },
      );
      expect(code).toBe(0);
    } finally {
      delete process.env.HUB_GATEWAY_URL;
    }
    expect(err.join('\n')).toContain(`response cache purged at ${new URL(graph.gatewayUrl).origin}`);
    const after = await postGraphQL<Workforce>(graph.gatewayUrl, WORKFORCE);
    expect(qualifierOf(after.body.data, 'workforce.QJM.1')).toBe('about');
  });

  it('answers a GET for a persisted query with Cache-Control and an ETag, and If-None-Match with 304', async () => {
    const query = op('StpOverview');
    const hash = createHash('sha256').update(query).digest('hex');
    const extensions = { persistedQuery: { version: 1, sha256Hash: hash } };
    // Registered once by POST (automatic persisted queries), then fetched by hash alone.
    await postGraphQL(graph.gatewayUrl, query, { code: 'QNC' }, {}).then(() =>
      fetch(graph.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables: { code: 'QNC' }, extensions }),
      }),
    );
    const url = `${graph.gatewayUrl}?operationName=StpOverview&variables=${encodeURIComponent(JSON.stringify({ code: 'QNC' }))}&extensions=${encodeURIComponent(JSON.stringify(extensions))}`;
    const preflighted = { 'apollo-require-preflight': 'true' };
    const first = await fetch(url, { headers: preflighted });
    expect(first.status).toBe(200);
    expect(((await first.json()) as { data: { stp: { code: string } } }).data.stp.code).toBe('QNC');
    const second = await fetch(url, { headers: preflighted });
    // A CDN may keep it for the TTL (and is purged by surrogate key); a browser checks each time.
    expect(second.headers.get('cache-control')).toBe(`public, max-age=0, s-maxage=${TTL_MS / 1000}`);
    expect(second.headers.get('vary')).toBe('Accept, Authorization, Origin');
    // Named by the data it read: every answer's `hub`, and each subgraph StpOverview asked.
    const keys = second.headers.get('surrogate-key')?.split(' ') ?? [];
    expect(keys[0]).toBe('hub');
    expect(keys).toEqual(expect.arrayContaining(['subgraph:geography', 'subgraph:finance']));
    expect(second.headers.get('cache-tag')).toBe(keys.join(','));
    const etag = second.headers.get('etag');
    expect(etag).toMatch(/^"g[^"]+"$/);
    await second.text();
    const notModified = await fetch(url, { headers: { ...preflighted, 'if-none-match': etag ?? '' } });
    expect(notModified.status).toBe(304);
    expect(await notModified.text()).toBe('');
    // The 304 says what the 200 said about caching, so a cache revalidating keeps the same rules.
    for (const header of ['cache-control', 'vary', 'etag'])
      expect(notModified.headers.get(header), header).toBe(second.headers.get(header));
    // Independent of what the gateway's own cache holds: a 304 for the same ETag after it dropped the answer.
    await graph.gateway.cache?.purge();
    const fresh = await fetch(url, { headers: preflighted });
    const freshTag = fresh.headers.get('etag');
    await fresh.text();
    expect(freshTag).not.toBe(etag);
    const stats = graph.gateway.cache?.stats;
    if (!stats) throw new Error('the cache is off');
    const hits = stats.hits;
    expect((await fetch(url, { headers: { ...preflighted, 'if-none-match': `W/"x", ${freshTag}` } })).status).toBe(304);
    expect(stats.hits).toBe(hits);
    // Without the header a browser cannot send cross-site, a GET is refused (CSRF protection).
    expect((await fetch(url)).status).toBe(403);
    // A caller with a token: the answer may be kept by its own browser, never by a shared cache.
    const withToken = await fetch(url, {
      headers: { ...preflighted, authorization: await signTestToken({ scope: 'stp:read', sub: 'analyst' }) },
    });
    expect(withToken.status).toBe(200);
    expect(((await withToken.json()) as { data: { stp: { code: string } } }).data.stp.code).toBe('QNC');
    expect(withToken.headers.get('cache-control')).toBe('private, no-cache');
    expect(withToken.headers.get('vary')).toMatch(/\bAuthorization\b/i);
    expect(withToken.headers.get('surrogate-key')).toBeNull();
  });

  it('answers a hit exactly as it answered the miss, byte for byte and header for header, for every Accept a client sends', async () => {
    const body = JSON.stringify({ query: op('StpOverview'), variables: { code: 'QHM' }, operationName: 'StpOverview' });
    const ask = async (headers: Record<string, string>) => {
      const res = await fetch(graph.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      const { date: _d, 'x-request-id': _r, ...kept } = Object.fromEntries(res.headers);
      return { status: res.status, headers: kept, text: await res.text() };
    };
    const stats = graph.gateway.cache?.stats;
    if (!stats) throw new Error('the cache is off');
    await graph.gateway.cache?.purge();
    for (const accept of [
      '*/*',
      'application/json',
      'application/graphql-response+json,application/json;q=0.9',
      'application/json, text/plain, */*',
      'text/html,*/*',
    ]) {
      await graph.gateway.cache?.purge();
      const stores = stats.stores;
      const miss = await ask({ accept });
      expect(stats.stores, accept).toBe(stores + 1);
      const hits = stats.hits;
      graph.resetCounters();
      const hit = await ask({ accept });
      // An If-None-Match that matches nothing is answered from the cache too.
      const unmatched = await ask({ accept, 'if-none-match': '"no-such-etag"' });
      expect(graph.statements(), accept).toBe(0);
      expect(stats.hits, accept).toBe(hits + 2);
      expect(hit, accept).toEqual(miss);
      expect(unmatched, accept).toEqual(miss);
      expect(hit.headers.etag, accept).toMatch(/^"g[^"]+"$/);
      expect(hit.headers['content-type'], accept).toBe(
        accept.startsWith('application/graphql-response+json')
          ? 'application/graphql-response+json; charset=utf-8'
          : 'application/json; charset=utf-8',
      );
      expect(JSON.parse(hit.text)).toMatchObject({ data: { stp: { code: 'QHM' } } });
      // The validator it gave out answers 304 without a body.
      const notModified = await fetch(graph.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept, 'if-none-match': hit.headers.etag ?? '' },
        body,
      });
      expect(notModified.status, accept).toBe(304);
      expect(await notModified.text()).toBe('');
    }
    // What the front door leaves to the runtime still works: a stream, and a conditional GET's 304 (tested below).
    const stream = await fetch(graph.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body,
    });
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(await stream.text()).toContain('"code":"QHM"');
  });

  it('keeps answers HUB_CACHE_TTL_SECONDS, 300 unless set', () => {
    expect(gatewaySettingsFromEnv(readEnv({})).cache).toEqual({
      ttlMs: 300_000,
      redisUrl: undefined,
      redisKeyPrefix: 'hub:rc:',
    });
    expect(gatewaySettingsFromEnv(readEnv({ HUB_CACHE_TTL_SECONDS: '1' })).cache?.ttlMs).toBe(1_000);
    expect(gatewaySettingsFromEnv(readEnv({ HUB_CACHE: 'off' })).cache).toBeUndefined();
  });

  const stores: [string, string | undefined][] = [['in memory', undefined]];
  if (!redis.skip) stores.push(['in Redis', REDIS_URL]);
  it.each(stores)(
    'lets an answer expire after its TTL (%s): a miss once the second is over, never before',
    async (_store, redisUrl) => {
      const prefix = `hub:test:cache-ttl:${randomBytes(4).toString('hex')}:`;
      const gateway = await startGateway({
        supergraphSdl: graph.supergraphSdl,
        subgraphUrls: Object.fromEntries(Object.entries(graph.subgraphs).map(([n, s]) => [n, s.url])),
        port: 0,
        cache: { ttlMs: 1_000, redisUrl, redisKeyPrefix: prefix },
      });
      const ask = async () => {
        graph.resetCounters();
        const { body } = await postGraphQL<{ stp: { name: string } }>(gateway.url, op('StpOverview'), { code: 'QHL' });
        expect(body.errors).toBeUndefined();
        return graph.statements() === 0 ? 'hit' : 'miss';
      };
      try {
        // Nothing can be stored before the first request is sent: expiry is measured from here.
        const sent = performance.now();
        expect(await ask()).toBe('miss');
        const outcomes: { answer: 'hit' | 'miss'; afterMs: number }[] = [];
        for (const deadline = sent + 20_000; performance.now() < deadline; ) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          const answer = await ask();
          outcomes.push({ answer, afterMs: performance.now() - sent });
          if (answer === 'miss') break;
        }
        const expired = outcomes.at(-1);
        expect(expired?.answer).toBe('miss');
        expect(expired?.afterMs).toBeGreaterThanOrEqual(1_000);
        // Until then it was served from the cache (however slowly this machine got there).
        expect(outcomes.slice(0, -1).every((o) => o.answer === 'hit')).toBe(true);
      } finally {
        await gateway.close();
        if (redisUrl) {
          const redis = new Redis(redisUrl);
          const keys = await redis.keys(`${prefix}*`);
          if (keys.length) await redis.del(...keys);
          redis.disconnect();
        }
      }
    },
  );

  it("answers If-None-Match with 304 after the answer's TTL, with the 200's ETag, Cache-Control and Vary", async () => {
    // Issue 27: a 304 came only while the gateway's cache held the entry; after the TTL the
    // unchanged answer was sent whole again.
    const gateway = await startGateway({
      supergraphSdl: graph.supergraphSdl,
      subgraphUrls: Object.fromEntries(Object.entries(graph.subgraphs).map(([n, s]) => [n, s.url])),
      port: 0,
      cache: { ttlMs: 1_000 },
    });
    try {
      const query = op('StpOverview');
      const extensions = {
        persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') },
      };
      const variables = { code: 'QOQ' };
      await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables, extensions }),
      }).then((r) => r.text());
      const url = `${gateway.url}?operationName=StpOverview&variables=${encodeURIComponent(JSON.stringify(variables))}&extensions=${encodeURIComponent(JSON.stringify(extensions))}`;
      const preflighted = { 'apollo-require-preflight': 'true' };
      const first = await fetch(url, { headers: preflighted });
      expect(first.status).toBe(200);
      expect(((await first.json()) as { data: { stp: { code: string } } }).data.stp.code).toBe('QOQ');
      const etag = first.headers.get('etag');
      expect(etag).toMatch(/^"g[^"]+"$/);
      expect(first.headers.get('cache-control')).toBe('public, max-age=0, s-maxage=1');
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const stats = gateway.cache?.stats;
      if (!stats) throw new Error('the cache is off');
      const hits = stats.hits;
      const notModified = await fetch(url, { headers: { ...preflighted, 'if-none-match': etag ?? '' } });
      expect(notModified.status).toBe(304);
      expect(await notModified.text()).toBe('');
      for (const header of ['etag', 'cache-control', 'vary'])
        expect(notModified.headers.get(header), header).toBe(first.headers.get(header));
      // The entry had expired when the 304 was sent: the next plain GET asks the subgraphs again.
      graph.resetCounters();
      const again = await fetch(url, { headers: preflighted });
      expect(again.status).toBe(200);
      expect(again.headers.get('etag')).toBe(etag);
      await again.text();
      expect(graph.statements()).toBeGreaterThan(0);
      expect(stats.hits).toBe(hits);
    } finally {
      await gateway.close();
    }
  });
});

describe.skipIf(redis.skip !== null)('a response cache in Redis, shared by two gateway processes', () => {
  let graph: TestGraph;
  // This file's own keys, so a run never meets another file's (or another run's) cache or generation.
  const prefix = `hub:test:cache:${randomBytes(4).toString('hex')}:`;
  const gateways: { url: string; process: StartedProcess }[] = [];
  let env: Record<string, string>;
  const startReplica = async (label: string) => {
    const gateway = startProcess({
      label,
      args: tsxArgs(join(REPO_ROOT, 'gateway/src/server.ts')),
      cwd: REPO_ROOT,
      env,
      ready: /Gateway ready at (\S+) \(response cache: redis\)/,
    });
    const started = { url: await gateway.ready, process: gateway };
    gateways.push(started);
    return started;
  };
  beforeAll(async () => {
    graph = await startTestGraph(await loadAllSubgraphs());
    const supergraphPath = join(temp, 'supergraph.graphql');
    writeFileSync(supergraphPath, graph.supergraphSdl);
    env = {
      LOG_LEVEL: 'silent',
      PORT: '0',
      HUB_SUPERGRAPH_PATH: supergraphPath,
      HUB_CACHE_REDIS_URL: REDIS_URL,
      HUB_CACHE_REDIS_PREFIX: prefix,
      ...Object.fromEntries(
        Object.entries(graph.subgraphs).map(([name, s]) => [`SUBGRAPH_${name.toUpperCase()}_URL`, s.url]),
      ),
    };
    for (let i = 0; i < 2; i++) await startReplica(`gateway ${i + 1}`);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.process.stop('SIGTERM')));
    await graph.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('serves one replica from what the other cached, and purges both at once', async () => {
    const [a, b] = gateways;
    if (!a || !b) throw new Error('two gateways expected');
    graph.resetCounters();
    const first = await postGraphQL<Workforce>(a.url, WORKFORCE);
    expect(qualifierOf(first.body.data, 'workforce.QJM.2')).toBe('average');
    expect(graph.statements()).toBeGreaterThan(0);
    graph.resetCounters();
    const fromB = await postGraphQL<Workforce>(b.url, WORKFORCE);
    expect(fromB.body).toEqual(first.body);
    expect(graph.statements()).toBe(0);

    // The data changes underneath; until a purge both replicas keep the cached answer.
    const schema = graph.subgraphs.workforce?.schemaName ?? '';
    await sql`update ${sql.table(`${schema}.workforce_fact`)} set qualifier = 'mean' where id = 'workforce.QJM.2'`.execute(
      graph.hub.database.root,
    );
    expect(qualifierOf((await postGraphQL<Workforce>(b.url, WORKFORCE)).body.data, 'workforce.QJM.2')).toBe('average');
    const purged = await fetch(new URL('/admin/cache/purge', a.url), {
      method: 'POST',
      headers: { authorization: await signTestToken({ scope: 'hub:cache:purge' }) },
    });
    expect(await purged.json()).toMatchObject({ purged: true, store: 'redis' });
    // No stale answer from either replica after the purge.
    expect(qualifierOf((await postGraphQL<Workforce>(b.url, WORKFORCE)).body.data, 'workforce.QJM.2')).toBe('mean');
    expect(qualifierOf((await postGraphQL<Workforce>(a.url, WORKFORCE)).body.data, 'workforce.QJM.2')).toBe('mean');
  });
  it('keeps every replica on one generation after a purge, a replica started later too, so they go on sharing hits', async () => {
    const [a, b] = gateways;
    if (!a || !b) throw new Error('two gateways expected');
    const purgeAt = async (url: string) => {
      const res = await fetch(new URL('/admin/cache/purge', url), {
        method: 'POST',
        headers: { authorization: await signTestToken({ scope: 'hub:cache:purge' }) },
      });
      expect(await res.json()).toMatchObject({ purged: true, store: 'redis' });
    };
    /** The answer, and whether it took any SQL (a miss) or none (a hit, whichever replica stored it). */
    const ask = async (url: string, code: string) => {
      graph.resetCounters();
      const { body } = await postGraphQL<{ stp: { code: string } }>(url, op('StpOverview'), { code });
      expect(body.errors).toBeUndefined();
      expect(body.data?.stp.code).toBe(code);
      return graph.statements() === 0 ? 'hit' : 'miss';
    };

    await purgeAt(a.url);
    // Cached by A (the replica that purged), then a hit on B; and the other way round.
    expect(await ask(a.url, 'QOP')).toBe('miss');
    expect(await ask(b.url, 'QOP')).toBe('hit');
    expect(await ask(b.url, 'QNC')).toBe('miss');
    expect(await ask(a.url, 'QNC')).toBe('hit');

    await purgeAt(b.url);
    expect(await ask(a.url, 'QOP')).toBe('miss');
    expect(await ask(b.url, 'QOP')).toBe('hit');
    expect(await ask(b.url, 'QNC')).toBe('miss');
    expect(await ask(a.url, 'QNC')).toBe('hit');

    // A purge straight in Redis, as `npm run load` does beside replicas it cannot name.
    // No local gateway file and no HUB_GATEWAY_URL: Redis is the only cache it reaches.
    const report = await purgeGatewayCaches(
      readEnv({ HUB_CACHE_REDIS_URL: REDIS_URL, HUB_CACHE_REDIS_PREFIX: prefix }),
      join(temp, 'no-local-gateway.json'),
    );
    expect(report).toEqual([expect.stringMatching(/^response cache purged in Redis \(\d+ keys; generation \d+\)$/)]);
    expect(await ask(b.url, 'QOP')).toBe('miss');
    expect(await ask(a.url, 'QOP')).toBe('hit');

    // A replica started after the purges keys its answers by the same generation as the others.
    const c = await startReplica('gateway 3, started after the purges');
    expect(await ask(c.url, 'QOP')).toBe('hit');
    expect(await ask(c.url, 'QJM')).toBe('miss');
    expect(await ask(a.url, 'QJM')).toBe('hit');
    expect(await ask(b.url, 'QJM')).toBe('hit');
    await purgeAt(c.url);
    expect(await ask(a.url, 'QJM')).toBe('miss');
    expect(await ask(c.url, 'QJM')).toBe('hit');
    expect(await ask(b.url, 'QJM')).toBe('hit');
  }, 120_000);

  it("purges every replica when a rollout's migrate Job reseeds, so nobody serves the replaced rows", async () => {
    const [a, b] = gateways;
    if (!a || !b) throw new Error('two gateways expected');
    // The first test left 'mean' in the table, where the data file says 'average'; both replicas hold it.
    const schema = graph.subgraphs.workforce?.schemaName ?? '';
    await purgeGatewayCaches(readEnv({ HUB_CACHE_REDIS_URL: REDIS_URL, HUB_CACHE_REDIS_PREFIX: prefix }), undefined);
    expect(qualifierOf((await postGraphQL<Workforce>(a.url, WORKFORCE)).body.data, 'workforce.QJM.2')).toBe('mean');
    graph.resetCounters();
    expect(qualifierOf((await postGraphQL<Workforce>(b.url, WORKFORCE)).body.data, 'workforce.QJM.2')).toBe('mean');
    expect(graph.statements()).toBe(0);

    const workforce = (await loadAllSubgraphs()).find((d) => d.name === 'workforce');
    if (!workforce) throw new Error('workforce is not configured');
    const shared = graph.hub.database;
    // The Job closes its database when it is done; this one is the test graph's, still serving.
    const database = { ...shared, close: async () => undefined };
    const logged: string[] = [];
    const log = console.log;
    console.log = (line: string) => void logged.push(line);
    let code: number;
    try {
      code = await migrateOnce(
        workforce,
        readEnv({
          HUB_SEED: 'always',
          HUB_SCHEMA: schema,
          HUB_CACHE_REDIS_URL: REDIS_URL,
          HUB_CACHE_REDIS_PREFIX: prefix,
        }),
        database,
      );
    } finally {
      console.log = log;
    }
    expect(code).toBe(0);
    expect(logged).toContainEqual(
      expect.stringMatching(/^workforce: response cache purged in Redis \(\d+ keys; generation \d+\)$/),
    );
    // The reseeded rows, from both replicas, at once: the purge reached the store they share.
    expect(qualifierOf((await postGraphQL<Workforce>(b.url, WORKFORCE)).body.data, 'workforce.QJM.2')).toBe('average');
    expect(qualifierOf((await postGraphQL<Workforce>(a.url, WORKFORCE)).body.data, 'workforce.QJM.2')).toBe('average');
  }, 60_000);
});

describe('Redis down', () => {
  it('keeps answering, uncached, and says so in /health/ready', async () => {
    const graph = await startTestGraph(await loadAllSubgraphs());
    // Nothing listens on port 1.
    const gateway = await startGateway({
      supergraphSdl: graph.supergraphSdl,
      subgraphUrls: Object.fromEntries(Object.entries(graph.subgraphs).map(([n, s]) => [n, s.url])),
      port: 0,
      cache: { ttlMs: TTL_MS, redisUrl: 'redis://127.0.0.1:1' },
    });
    try {
      for (let i = 0; i < 2; i++) {
        graph.resetCounters();
        const started = performance.now();
        const { status, body } = await postGraphQL(gateway.url, '{ stp(code: "QJM") { name } }');
        expect(status).toBe(200);
        expect(body).toEqual({
          data: { stp: { name: 'Lincolnshire' } },
          extensions: { dataVersion: expect.any(String) },
        });
        expect(graph.statements()).toBeGreaterThan(0);
        expect(performance.now() - started).toBeLessThan(5_000);
      }
      const ready = await fetch(new URL('/health/ready', gateway.url));
      expect(ready.status).toBe(200);
      const report = (await ready.json()) as { status: string; ready: boolean; checks: Record<string, unknown> };
      expect(report).toMatchObject({ status: 'degraded', ready: true });
      expect(report.checks.responseCache).toMatch(/^redis unreachable .*answering uncached$/);
    } finally {
      await gateway.close();
      await graph.close();
    }
  });
});

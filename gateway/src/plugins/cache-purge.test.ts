import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllSubgraphs } from '../config.js';
import { startGateway } from '../gateway.js';
import { postGraphQL, signTestToken, startTestGraph, TEST_JWT_SECRET, type TestGraph } from '../testing.js';
import { PURGE_PATH } from './cache-purge.js';

/** Geography alone behind a gateway whose cache is on, purged by the local key as `npm start`'s is. */
process.env.HUB_JWT_SECRET = TEST_JWT_SECRET;
const PURGE_KEY = 'the-local-purge-key-npm-start-writes';
let graph: TestGraph;
beforeAll(async () => {
  const geography = (await loadAllSubgraphs()).filter((s) => s.name === 'geography');
  graph = await startTestGraph(geography, { cache: { ttlMs: 60_000, purgeKey: PURGE_KEY } });
});
afterAll(() => graph.close());

const purge = (url: string, init: RequestInit = {}) =>
  fetch(new URL(PURGE_PATH, url), { method: 'POST', ...init }).then(async (res) => ({
    status: res.status,
    body: (await res.json()) as Record<string, unknown> & { errors?: { extensions: Record<string, unknown> }[] },
  }));
const STPS = '{ stps(first: 3) { nodes { code } } }';

describe('POST /admin/cache/purge', () => {
  it('drops every cached answer: the next request is answered by the subgraphs again', async () => {
    const stats = graph.gateway.cache?.stats;
    await postGraphQL(graph.gatewayUrl, STPS);
    const hits = stats?.hits ?? 0;
    await postGraphQL(graph.gatewayUrl, STPS);
    expect(stats?.hits).toBe(hits + 1);
    const { status, body } = await purge(graph.gatewayUrl, { headers: { 'x-hub-purge-key': PURGE_KEY } });
    expect(status).toBe(200);
    expect(body).toEqual({ purged: true, store: 'memory', dataVersion: graph.gateway.dataVersion.current() });
    graph.resetCounters();
    const again = await postGraphQL(graph.gatewayUrl, STPS);
    expect(again.body.errors).toBeUndefined();
    expect(stats?.hits).toBe(hits + 1);
    expect(graph.statements()).toBeGreaterThan(0);
  });

  it('moves the data version to the release its body names, before it answers', async () => {
    const release = {
      subgraph: 'geography',
      id: 10_000,
      at: new Date().toISOString(),
      kind: 'load',
      tables: ['stp'],
      counts: { inserted: 0, updated: 1, deleted: 0 },
    };
    const { status, body } = await purge(graph.gatewayUrl, {
      headers: { 'x-hub-purge-key': PURGE_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ release }),
    });
    expect(status).toBe(200);
    expect(body.dataVersion).toBe('geography.10000');
    const answer = await fetch(graph.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: STPS }),
    });
    expect(answer.headers.get('x-hub-data-version')).toBe('geography.10000');
  });

  it('refuses a caller without a credential (401) and a GET (405), with a code and the request id', async () => {
    const anonymous = await purge(graph.gatewayUrl);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED', requestId: expect.any(String) });
    const get = await purge(graph.gatewayUrl, { method: 'GET', headers: { 'x-hub-purge-key': PURGE_KEY } });
    expect(get.status).toBe(405);
    expect(get.body.errors?.[0]?.extensions.code).toBe('METHOD_NOT_ALLOWED');
  });

  it('with the cache off, purges nothing and says so, and the key of a cache it does not have is no credential', async () => {
    const uncached = await startGateway({
      supergraphSdl: graph.supergraphSdl,
      subgraphUrls: Object.fromEntries(Object.entries(graph.subgraphs).map(([name, s]) => [name, s.url])),
      port: 0,
    });
    try {
      const token = await signTestToken({ scope: 'hub:cache:purge', sub: 'loader' });
      const { status, body } = await purge(uncached.url, { headers: { authorization: token } });
      expect(status).toBe(200);
      expect(body).toEqual({ purged: false, store: null, dataVersion: uncached.dataVersion.current() });
      const byKey = await purge(uncached.url, { headers: { 'x-hub-purge-key': PURGE_KEY } });
      expect(byKey.status).toBe(401);
    } finally {
      await uncached.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from './gateway.js';
import { startTestGraph, type TestGraph } from './testing.js';
import { loadSubgraph, readGraphConfig } from './config.js';

/** The front door's routes, with the operators' port split off (HUB_ADMIN_PORT) and without it. */
describe('the front door', () => {
  let graph: TestGraph;
  beforeAll(async () => {
    const geography = readGraphConfig().find((e) => e.name === 'geography');
    if (!geography) throw new Error('no geography in schema/subgraphs.json');
    graph = await startTestGraph([await loadSubgraph(geography)], { cache: { ttlMs: 60_000 } });
  });
  afterAll(() => graph.close());

  const origin = (url: string) => new URL(url).origin;
  const status = async (url: string, init?: RequestInit) => (await fetch(url, init)).status;

  it('serves GraphQL, health and the operators’ routes on one port when no admin port is set', async () => {
    const base = origin(graph.gatewayUrl);
    expect(
      await status(graph.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query":"{ regions { code } }"}',
      }),
    ).toBe(200);
    expect(await status(`${base}/health/ready`)).toBe(200);
    expect(await status(`${base}/metrics`)).toBe(200);
    expect(await status(`${base}/admin/cache/purge`, { method: 'POST' })).toBe(401);
    expect(graph.gateway.admin).toBeNull();
  });

  it('keeps health, metrics and the purge off the public port once an admin port is set', async () => {
    const gateway = await startGateway({
      supergraphSdl: graph.supergraphSdl,
      subgraphUrls: { geography: graph.subgraphs.geography?.url ?? '' },
      port: 0,
      adminPort: 0,
      cache: { ttlMs: 60_000 },
    });
    try {
      const publicBase = origin(gateway.url);
      const adminBase = origin(gateway.admin?.url ?? '');
      expect(adminBase).not.toBe(publicBase);
      for (const path of ['/health/ready', '/health/live', '/metrics', '/admin/cache/purge'])
        expect(await status(`${publicBase}${path}`), path).toBe(404);
      const ready = (await (await fetch(`${adminBase}/health/ready`)).json()) as {
        status: string;
        checks: Record<string, unknown>;
      };
      expect(ready).toMatchObject({ status: 'ready', checks: { geography: true, responseCache: true } });
      expect(await (await fetch(`${adminBase}/metrics`)).text()).toContain('hub_gateway_requests_total');
      expect(await status(`${adminBase}/admin/cache/purge`, { method: 'POST' })).toBe(401);
      // GraphQL is not served to operators: their port has only their routes.
      expect(await status(`${adminBase}/graphql`, { method: 'POST' })).toBe(404);
      const answer = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query":"{ regions { code } }"}',
      });
      expect(answer.status).toBe(200);
      expect(((await answer.json()) as { data: { regions: unknown[] } }).data.regions.length).toBeGreaterThan(0);
    } finally {
      await gateway.close();
    }
  });
});

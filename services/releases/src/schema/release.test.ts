import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway } from '@nhs-hub/gateway';
import { type TestGraph, startTestGraph } from '@nhs-hub/gateway/testing';
import { subgraph as geography } from '@nhs-hub/geography';
import { loadFile, readRelease, type SubgraphDefinition } from '@nhs-hub/kit/subgraph';
import { subgraph as workforce } from '@nhs-hub/workforce';
import { needService, SYSTEM_TOOLS } from '@nhs-hub/kit/testing';
import { createClient } from 'graphql-sse';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph as releases } from '../index.js';

const SEED = 'seeds/000_647e8cd618725ea4.txt';
const HEADER = 'id,stp_code,kind,value,unit,qualifier,statement,source_document,source_line';
const REDIS_URL = 'redis://127.0.0.1:6379';
// The replicas' test skips, in one line saying how to start Redis, where none listens (CI fails instead).
const redis = await needService(SYSTEM_TOOLS.redisService, { host: '127.0.0.1', port: 6379 });
const ORIGIN = 'http://localhost:5173';
const PURGE_KEY = 'test-purge-key-for-releases';
const temp = mkdtempSync(join(tmpdir(), 'hub-published-'));
const SUBSCRIPTION =
  'subscription { releasePublished { subgraph id name kind tables counts { inserted updated deleted } dataVersion } }';

interface Published {
  subgraph: string;
  id: number;
  name: string;
  kind: string;
  tables: string[];
  counts: { inserted: number; updated: number; deleted: number };
  dataVersion: string | null;
}

/**
 * Subscribes with graphql-sse's own client, in its default "distinct connections" mode (a JSON
 * POST asking for text/event-stream), as a browser dashboard would, from the page's Origin.
 */
async function subscribe(gatewayUrl: string) {
  const client = createClient({ url: gatewayUrl, headers: { origin: ORIGIN }, retryAttempts: 0 });
  const events = client.iterate<{ releasePublished: Published }>({ query: SUBSCRIPTION });
  // Asked for at once: the client connects on the first next(), and the test waits until the gateway counts it.
  let pending: ReturnType<typeof events.next> | null = events.next();
  return {
    next: async () => {
      const { value, done } = await (pending ?? events.next());
      pending = null;
      if (done) throw new Error('the stream ended');
      return value;
    },
    close: () => {
      void events.return?.();
      client.dispose();
    },
  };
}

/** The SSE response's status and headers as the browser sees them (graphql-sse does not expose them). */
async function streamHeaders(gatewayUrl: string) {
  const controller = new AbortController();
  const response = await fetch(gatewayUrl, {
    method: 'POST',
    headers: { accept: 'text/event-stream', 'content-type': 'application/json', origin: ORIGIN },
    body: JSON.stringify({ query: SUBSCRIPTION }),
    signal: controller.signal,
  });
  controller.abort();
  return response;
}

/** Waits (up to 5 s) until `done` holds; fails naming it otherwise. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 250 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(done(), String(done)).toBe(true);
}

let graph: TestGraph;
beforeAll(async () => {
  graph = await startTestGraph([geography, workforce, releases] as unknown as SubgraphDefinition<unknown>[], {
    cache: { ttlMs: 60_000, purgeKey: PURGE_KEY },
    corsOrigins: [ORIGIN],
  });
}, 120_000);
afterAll(async () => {
  await graph?.close();
  rmSync(temp, { recursive: true, force: true });
});

async function load(value: number): Promise<number> {
  const path = join(temp, `load-${value}.csv`);
  writeFileSync(
    path,
    `${HEADER}\nworkforce.QJM.1,QJM,VACANCY_RATE,${value},PERCENT,≈,high vacancy rate ≈ 9%,${SEED},34\n`,
  );
  const db = graph.subgraphs.workforce?.db;
  const loadable = workforce.loadables?.workforce_fact;
  if (!db || !loadable) throw new Error('workforce is not running');
  const summary = await loadFile(db, loadable, path);
  if (summary.release === null || summary.release === undefined) throw new Error('the load changed nothing');
  return summary.release;
}

describe('releasePublished over Server-Sent Events through the gateway', () => {
  it('delivers a load announced on the local purge call, with CORS as for queries', async () => {
    const headers = await streamHeaders(graph.gatewayUrl);
    expect(headers.status).toBe(200);
    expect(headers.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(headers.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    await until(() => graph.gateway.releases.subscribers() === 0);
    const stream = await subscribe(graph.gatewayUrl);
    await until(() => graph.gateway.releases.subscribers() === 1);
    const release = await load(11);
    const db = graph.subgraphs.workforce?.db;
    const landed = db ? await readRelease(db, release) : null;
    const purged = await fetch(new URL('/admin/cache/purge', graph.gatewayUrl), {
      method: 'POST',
      headers: { 'x-hub-purge-key': PURGE_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ release: { ...landed, subgraph: 'workforce' } }),
    });
    expect(purged.status).toBe(200);
    const event = await stream.next();
    expect(graph.gateway.releases.subscribers()).toBe(1);
    stream.close();
    // The client gone, its subscription goes too: a replica holds nothing for clients that left.
    await until(() => graph.gateway.releases.subscribers() === 0);
    // And one that leaves before any release came.
    const idle = await subscribe(graph.gatewayUrl);
    await until(() => graph.gateway.releases.subscribers() === 1);
    idle.close();
    await until(() => graph.gateway.releases.subscribers() === 0);
    expect(event.data?.releasePublished).toEqual({
      subgraph: 'workforce',
      id: release,
      name: `workforce.${release}`,
      kind: 'load',
      tables: ['workforce_fact'],
      counts: { inserted: 0, updated: 1, deleted: 0 },
      // the version the release moved the graph to: what every answer after it carries
      dataVersion: graph.gateway.dataVersion.current(),
    });
    expect(event.data?.releasePublished.dataVersion).toContain(`workforce.${release}`);
  });

  it('answers a subscription asked for as JSON with 406, at once (it never holds a listener for it)', async () => {
    const response = await fetch(graph.gatewayUrl, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({ query: SUBSCRIPTION }),
      signal: AbortSignal.timeout(5_000),
    });
    expect(response.status).toBe(406);
    expect(response.headers.get('accept')).toBe('text/event-stream');
  });

  it.skipIf(!redis.path)('delivers a release announced in Redis from every gateway replica sharing it', async () => {
    const probe = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 1_000 });
    const prefix = `test:releases:${process.pid}:${Date.now()}:`;
    const urls = Object.fromEntries(Object.entries(graph.subgraphs).map(([name, s]) => [name, s.url]));
    const replicas = await Promise.all(
      [0, 1].map(() =>
        startGateway({
          supergraphSdl: graph.supergraphSdl,
          subgraphUrls: urls,
          port: 0,
          releases: { redisUrl: REDIS_URL, redisKeyPrefix: prefix },
        }),
      ),
    );
    try {
      const streams = await Promise.all(replicas.map((r) => subscribe(r.url)));
      for (const replica of replicas) await until(() => replica.releases.subscribers() === 1);
      // Both replicas have subscribed in Redis once it counts them.
      for (let i = 0; i < 50; i++) {
        const [, listening] = (await probe.pubsub('NUMSUB', `${prefix}releases`)) as [string, number];
        if (listening >= 2) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const release = await load(12);
      const db = graph.subgraphs.workforce?.db;
      const landed = db ? await readRelease(db, release) : null;
      await probe.publish(`${prefix}releases`, JSON.stringify({ ...landed, subgraph: 'workforce' }));
      const events = await Promise.all(streams.map((s) => s.next()));
      for (const s of streams) s.close();
      for (const event of events)
        expect(event, JSON.stringify(event)).toMatchObject({
          data: { releasePublished: { name: `workforce.${release}` } },
        });
      for (const event of events) expect(event.data?.releasePublished).toMatchObject({ name: `workforce.${release}` });
    } finally {
      for (const replica of replicas) await replica.close();
      probe.disconnect();
    }
  });
});

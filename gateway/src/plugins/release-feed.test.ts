import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllSubgraphs } from '../config.js';
import { startTestGraph, type TestGraph } from '../testing.js';

/**
 * Geography and the releases subgraph behind the real gateway: `releasePublished` over Server-Sent
 * Events, each release announced on the local purge call. (services/releases tests loads, CORS and
 * Redis replicas through graphql-sse's client; this is the plugin's own behaviour.)
 */
const PURGE_KEY = 'test-purge-key-for-the-release-feed';
let graph: TestGraph;
beforeAll(async () => {
  const wanted = new Set(['geography', 'releases']);
  graph = await startTestGraph(
    (await loadAllSubgraphs()).filter((s) => wanted.has(s.name)),
    { cache: { ttlMs: 60_000, purgeKey: PURGE_KEY } },
  );
});
afterAll(() => graph.close());

/** A subscription as a browser's EventSource-like client opens it: its events' payloads, one at a time. */
async function subscribe(query: string) {
  const controller = new AbortController();
  const response = await fetch(graph.gatewayUrl, {
    method: 'POST',
    headers: { accept: 'text/event-stream', 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
    signal: controller.signal,
  });
  const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  return {
    response,
    /** The next `next` event's data. */
    async next(): Promise<unknown> {
      for (;;) {
        const events = buffered.split('\n\n');
        buffered = events.pop() ?? '';
        const event = events.find((e) => e.startsWith('event: next'));
        if (event) return JSON.parse(event.slice(event.indexOf('data: ') + 'data: '.length));
        const chunk = await reader?.read();
        if (!chunk || chunk.done) throw new Error('the stream ended');
        buffered += chunk.value;
      }
    },
    close: () => controller.abort(),
  };
}

async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 250 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(done()).toBe(true);
}

const announce = (id: number) =>
  fetch(new URL('/admin/cache/purge', graph.gatewayUrl), {
    method: 'POST',
    headers: { 'x-hub-purge-key': PURGE_KEY, 'content-type': 'application/json' },
    body: JSON.stringify({
      release: {
        subgraph: 'geography',
        id,
        at: new Date().toISOString(),
        kind: 'load',
        tables: ['stp'],
        counts: { inserted: 0, updated: 2, deleted: 0 },
      },
    }),
  });

describe('releasePublished', () => {
  it('delivers each release announced, as the subscription selects it, with the version it moved the graph to', async () => {
    const stream = await subscribe(
      'subscription { releasePublished { which: name ... on Release { kind } ...Moved } } fragment Moved on Release { dataVersion counts { updated } }',
    );
    try {
      expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      await until(() => graph.gateway.releases.subscribers() === 1);
      expect((await announce(700)).status).toBe(200);
      expect(await stream.next()).toEqual({
        data: {
          releasePublished: {
            which: 'geography.700',
            kind: 'load',
            dataVersion: 'geography.700',
            counts: { updated: 2 },
          },
        },
      });
      expect((await announce(701)).status).toBe(200);
      expect(await stream.next()).toMatchObject({ data: { releasePublished: { which: 'geography.701' } } });
    } finally {
      stream.close();
    }
  });

  it('lets go of a subscription when its client goes', async () => {
    // The first test's stream, closed, is gone too.
    await until(() => graph.gateway.releases.subscribers() === 0);
    const streams = [
      await subscribe('subscription { releasePublished { name } }'),
      await subscribe('subscription { releasePublished { id } }'),
    ];
    await until(() => graph.gateway.releases.subscribers() === 2);
    streams[0]?.close();
    await until(() => graph.gateway.releases.subscribers() === 1);
    streams[1]?.close();
    await until(() => graph.gateway.releases.subscribers() === 0);
  });
});

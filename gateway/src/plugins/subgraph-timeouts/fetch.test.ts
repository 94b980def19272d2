import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type SubgraphCallOutcome, subgraphFetch } from './fetch.js';

/**
 * A subgraph replica stopping (its endpoint not yet out of the Service) or closing an idle
 * keep-alive socket: the gateway's call is refused or reset before any answer. Real sockets.
 */
let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** A server that resets the first `resets` connections it accepts and answers the rest. */
async function flakySubgraph(resets: number): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end(JSON.stringify({ data: { ok: true } })));
  });
  server.on('connection', (socket) => {
    connections += 1;
    if (connections <= resets) socket.destroy();
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, connections: () => connections };
}

describe('a subgraph call refused or reset before any answer', () => {
  it('is sent once more, and answers (the graph is read-only, so every call may be repeated)', async () => {
    const subgraph = await flakySubgraph(1);
    const outcomes: SubgraphCallOutcome[] = [];
    const fetchFrom = subgraphFetch({ finance: subgraph.url }, 5_000, {
      observe: () => (outcome) => outcomes.push(outcome),
    });
    const response = await fetchFrom(subgraph.url, { method: 'POST', body: '{"query":"{ ok }"}' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { ok: true } });
    expect(subgraph.connections()).toBe(2);
    // One call, one outcome: the retry is not a second call in the metrics or the trace.
    expect(outcomes).toEqual([{ status: 200 }]);
  });

  it('is sent once more only: a subgraph that keeps refusing is named as unreachable', async () => {
    const subgraph = await flakySubgraph(Number.POSITIVE_INFINITY);
    const fetchFrom = subgraphFetch({ finance: subgraph.url }, 5_000);
    await expect(fetchFrom(subgraph.url, { method: 'POST', body: '{}' })).rejects.toThrow(
      /Subgraph "finance" is unreachable/,
    );
    expect(subgraph.connections()).toBe(2);
  });

  it('is never repeated after a timeout: the subgraph may still be working on it', async () => {
    server = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    let connections = 0;
    server.on('connection', () => {
      connections += 1;
    });
    await expect(subgraphFetch({ programmes: url }, 200)(url, { body: '{}' })).rejects.toThrow(
      /Subgraph "programmes" did not answer within 200 ms/,
    );
    expect(connections).toBe(1);
  });
});

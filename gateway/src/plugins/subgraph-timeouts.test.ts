import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { signedByGateway } from '@nhs-hub/kit/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllSubgraphs } from '../config.js';
import { type RunningGateway, startGateway } from '../gateway.js';
import { postGraphQL, startTestGraph, type TestGraph } from '../testing.js';

/**
 * Geography behind the real gateway, and a stand-in for it on loopback that records what each
 * call carried and answers as told: at once, never, or not ready.
 */
let graph: TestGraph;
let standIn: {
  server: Server;
  url: string;
  mode: 'answer' | 'hang' | 'not ready';
  calls: IncomingHttpHeaders[];
  /** Each call as sent, its body read: what the gateway's signature covers. */
  sent: { req: IncomingMessage; body: string }[];
};
const held: ServerResponse[] = [];
beforeAll(async () => {
  graph = await startTestGraph((await loadAllSubgraphs()).filter((s) => s.name === 'geography'));
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (standIn.mode === 'not ready' || req.method !== 'POST') {
      res.statusCode = standIn.mode === 'not ready' ? 503 : 404;
      return void res.end();
    }
    standIn.calls.push(req.headers);
    standIn.sent.push({ req, body: Buffer.concat(chunks).toString('utf8') });
    if (standIn.mode === 'hang') return void held.push(res);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ data: { stp: { name: 'Lincolnshire' } } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  standIn = { server, url, mode: 'answer', calls: [], sent: [] };
});
afterAll(async () => {
  for (const res of held) res.destroy();
  standIn.server.closeAllConnections();
  await new Promise((resolve) => standIn.server.close(resolve));
  await graph.close();
});

/** A gateway over the same supergraph whose geography is the stand-in. */
async function withStandIn<T>(
  options: { subgraphTimeoutMs?: number; gatewaySecret?: string },
  use: (gateway: RunningGateway) => Promise<T>,
): Promise<T> {
  const gateway = await startGateway({
    supergraphSdl: graph.supergraphSdl,
    subgraphUrls: { geography: standIn.url },
    port: 0,
    ...options,
  });
  try {
    return await use(gateway);
  } finally {
    await gateway.close();
  }
}

const STP = '{ stp(code: "QJM") { name } }';

describe('subgraph calls', () => {
  it('carry what the other plugins forward: the request id and the gateway signature', async () => {
    standIn.mode = 'answer';
    standIn.calls = [];
    standIn.sent = [];
    const gatewaySecret = 'a-gateway-secret-of-at-least-32-characters';
    await withStandIn({ gatewaySecret }, async (gateway) => {
      const res = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'hop-1' },
        body: JSON.stringify({ query: STP }),
      });
      expect(await res.json()).toMatchObject({ data: { stp: { name: 'Lincolnshire' } } });
    });
    expect(standIn.calls).toHaveLength(1);
    expect(standIn.calls[0]).toMatchObject({ 'x-request-id': 'hop-1' });
    // Signed with the gateway's key over the call as sent (method, path, body), as a production subgraph checks it.
    const sent = standIn.sent.at(-1);
    expect(sent && signedByGateway(sent.req, sent.body, gatewaySecret)).toBe(true);
    expect(sent && signedByGateway(sent.req, sent.body, `${gatewaySecret}-other`)).toBe(false);
    expect(sent && signedByGateway(sent.req, `${sent.body} `, gatewaySecret)).toBe(false);
    expect(standIn.sent).toHaveLength(1);
  });

  it('are abandoned after the timeout: the query answers in time with an error naming the subgraph', async () => {
    standIn.mode = 'hang';
    await withStandIn({ subgraphTimeoutMs: 300 }, async (gateway) => {
      const started = performance.now();
      const { status, body } = await postGraphQL(gateway.url, STP);
      expect(performance.now() - started).toBeLessThan(3_000);
      expect(status).toBe(200);
      expect(body.data).toEqual({ stp: null });
      expect(body.errors?.[0]).toMatchObject({
        message: 'Subgraph "geography" did not answer within 300 ms',
        extensions: { code: 'SUBREQUEST_HTTP_ERROR', serviceName: 'geography' },
      });
    });
  });
});

describe('readiness', () => {
  const ready = (url: string) =>
    fetch(new URL('/health/ready', url)).then(async (res) => ({
      status: res.status,
      body: (await res.json()) as { status: string; checks: Record<string, unknown> },
    }));

  it('names each subgraph ready', async () => {
    const { status, body } = await ready(graph.gatewayUrl);
    expect(status).toBe(200);
    expect(body.checks.geography).toBe(true);
  });

  it('says degraded, naming the subgraph and why, when one is not ready: never takes the gateway out', async () => {
    standIn.mode = 'not ready';
    await withStandIn({}, async (gateway) => {
      const { status, body } = await ready(gateway.url);
      expect(status).toBe(200);
      expect(body.status).toBe('degraded');
      expect(body.checks.geography).toBe('status 503');
    });
  });
});

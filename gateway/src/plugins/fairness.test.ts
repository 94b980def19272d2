import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllSubgraphs } from '../config.js';
import { readEnv } from '@nhs-hub/kit/platform';
import { gatewaySettingsFromEnv, type RunningGateway, startGateway } from '../gateway.js';
import { HubRequest } from '../plugin.js';
import { signTestToken, startTestGraph, TEST_JWT_SECRET, type TestGraph } from '../testing.js';
import { FAIRNESS_DEFAULTS, fairnessPlugin } from './fairness.js';
import { subgraphFetch } from './subgraph-timeouts/fetch.js';

/**
 * Issue 23: three clients repeating one dear query made normal queries take 1.2-22.6 s. Each
 * client now has a rate, each request a deadline, and each request a bounded share of subgraph calls.
 */
process.env.HUB_JWT_SECRET ??= TEST_JWT_SECRET;
let graph: TestGraph;
let hanging: Server;
let hangingUrl: string;
const held: ServerResponse[] = [];
beforeAll(async () => {
  graph = await startTestGraph(await loadAllSubgraphs(), { fairness: { perSecond: 1, burst: 3 } });
  hanging = createServer((req, res) => {
    req.resume();
    held.push(res);
  });
  await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
  hangingUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/graphql`;
}, 120_000);
afterAll(async () => {
  for (const res of held) res.destroy();
  hanging?.closeAllConnections();
  await new Promise((resolve) => hanging?.close(resolve));
  await graph?.close();
});

const ask = async (url: string, query: string, headers: Record<string, string> = {}) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as {
      data?: { stp?: { name?: string; financialGap?: unknown } };
      errors?: { message: string; extensions?: { code?: string } }[];
    },
  };
};

describe('a rate limit per client', () => {
  it('answers 429 with Retry-After past the burst, per address; a token holder has a bucket of its own', async () => {
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof ask>> | undefined;
    for (let i = 0; i < 5; i++) {
      const answer = await ask(graph.gatewayUrl, '{ regions { code } }');
      statuses.push(answer.status);
      if (answer.status === 429) refused = answer;
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.at(-1)).toBe(429);
    expect(Number(refused?.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(refused?.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    const authorization = await signTestToken({ sub: 'someone-else' });
    expect((await ask(graph.gatewayUrl, '{ regions { code } }', { authorization })).status).toBe(200);
  });
});

describe('the client address behind the ingress', () => {
  const gateways: RunningGateway[] = [];
  afterAll(async () => {
    for (const gateway of gateways) await gateway.close();
  });
  /**
   * A gateway of its own, its buckets full: 2 requests each (each pays 1 and its cost, about a
   * hundredth), then none, however slow the first answers are.
   */
  const gatewayTrusting = async (HUB_TRUSTED_PROXIES: string | undefined) => {
    const urls = Object.fromEntries(Object.entries(graph.subgraphs).map(([name, s]) => [name, s.url]));
    const { fairness } = gatewaySettingsFromEnv(readEnv(HUB_TRUSTED_PROXIES ? { HUB_TRUSTED_PROXIES } : {}));
    const gateway = await startGateway({
      supergraphSdl: graph.supergraphSdl,
      subgraphUrls: urls,
      port: 0,
      fairness: { ...fairness, perSecond: 0.001, burst: 3 },
    });
    gateways.push(gateway);
    return gateway;
  };
  const from = (gateway: RunningGateway, forwardedFor: string) =>
    ask(gateway.url, '{ regions { code } }', { 'x-forwarded-for': forwardedFor }).then((a) => a.status);

  it('ignores X-Forwarded-For from a peer it does not trust (by default, none): a client cannot name itself another', async () => {
    const gateway = await gatewayTrusting(undefined);
    const statuses = [];
    for (const address of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) statuses.push(await from(gateway, address));
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('gives two clients a trusted proxy forwards a bucket each, whatever a client wrote in the header itself', async () => {
    // The test's requests come from 127.0.0.1: here it stands for the ingress controller's pods.
    const gateway = await gatewayTrusting('10.0.0.0/8, 127.0.0.1');
    expect([await from(gateway, '203.0.113.7'), await from(gateway, '203.0.113.7')]).toEqual([200, 200]);
    expect(await from(gateway, '203.0.113.7')).toBe(429);
    expect(await from(gateway, '203.0.113.8')).toBe(200);
    // What ingress-nginx forwards when the client sent its own header: the client's entry is to the
    // left of the address the proxy saw, and is not read. Another proxy of the cluster's (10.x) is stepped through.
    expect(await from(gateway, '198.51.100.9, 203.0.113.7')).toBe(429);
    expect(await from(gateway, '203.0.113.7, 10.1.2.3')).toBe(429);
    expect(await from(gateway, '203.0.113.9, 10.1.2.3')).toBe(200);
  });

  it('refuses a HUB_TRUSTED_PROXIES entry that is no address or range', () => {
    expect(() => readEnv({ HUB_TRUSTED_PROXIES: '10.0.0.0/8,ingress-nginx' })).toThrow(
      /HUB_TRUSTED_PROXIES: "ingress-nginx" is not an IP address or a CIDR range/,
    );
    expect(() => readEnv({ HUB_TRUSTED_PROXIES: '10.0.0.0/33' })).toThrow(/HUB_TRUSTED_PROXIES/);
    expect(readEnv({ HUB_TRUSTED_PROXIES: 'fd00::/8' }).HUB_TRUSTED_PROXIES).toEqual([
      { address: 'fd00::', prefix: 8, family: 'ipv6' },
    ]);
    expect(readEnv({}).HUB_TRUSTED_PROXIES).toEqual([]);
  });
});

describe('a rate that pays for cost', () => {
  it("charges a client its query's estimated cost: after one dear query, its next request waits", async () => {
    const authorization = await signTestToken({ sub: 'dear-client' });
    // 1 + 200 x (1 + 12 x (1 + 4)) = 12,201: 12 tokens beyond the one paid to come in, at 1 a second.
    const dear = await ask(graph.gatewayUrl, '{ stps(first: 200) { nodes { priorities { programmes { code } } } } }', {
      authorization,
    });
    expect(dear.status).toBe(200);
    const next = await ask(graph.gatewayUrl, '{ regions { code } }', { authorization });
    expect(next.status).toBe(429);
    expect(Number(next.retryAfter)).toBeGreaterThanOrEqual(10);
  });
});

describe('a deadline per request', () => {
  let gateway: RunningGateway | undefined;
  afterAll(async () => gateway?.close());

  it('answers what it has when the deadline passes, with an error for the rest', async () => {
    const urls = Object.fromEntries(Object.entries(graph.subgraphs).map(([name, s]) => [name, s.url]));
    gateway = await startGateway({
      supergraphSdl: graph.supergraphSdl,
      subgraphUrls: { ...urls, finance: hangingUrl },
      port: 0,
      subgraphTimeoutMs: 60_000,
      fairness: { deadlineMs: 2_000 },
    });
    // Warm (plans, sockets) on a query finance has no part in: the deadline is for the hanging call.
    expect((await ask(gateway.url, '{ stp(code: "QJM") { name } }')).body.data?.stp?.name).toBe('Lincolnshire');
    const { status, body } = await ask(gateway.url, '{ stp(code: "QJM") { name financialGap { combinedGbpM } } }');
    expect(status).toBe(200);
    expect(body.data?.stp?.name).toBe('Lincolnshire');
    expect(body.errors?.[0]?.message).toMatch(/Subgraph "finance" did not answer before the request's deadline/);
  });
});

describe('bounded subgraph calls per request', () => {
  it('keeps at most subgraphConcurrency calls of one request in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const server = createServer((req, res) => {
      inFlight++;
      most = Math.max(most, inFlight);
      req.resume();
      setTimeout(() => {
        inFlight--;
        res.end('{"data":{}}');
      }, 50);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    try {
      const fairness = fairnessPlugin({ ...FAIRNESS_DEFAULTS, subgraphConcurrency: 2 });
      const fetchFrom = subgraphFetch({ finance: url }, 5_000, { limits: fairness.calls });
      // The request as the front door makes it: the gate is keyed on it.
      const hub = new HubRequest({} as IncomingMessage, {} as ServerResponse, 'r1', undefined, '/graphql');
      const answers = await Promise.all(
        Array.from({ length: 6 }, () => fetchFrom(url, { method: 'POST', body: '{}' }, { hub })),
      );
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(most).toBe(2);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

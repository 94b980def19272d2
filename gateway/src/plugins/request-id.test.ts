import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllSubgraphs } from '../config.js';
import { type RunningGateway, startGateway } from '../gateway.js';
import { startTestGraph, type TestGraph } from '../testing.js';

/**
 * The request id through a real gateway: a stand-in for geography records the id each subgraph
 * call carries, so what the caller is told can be compared with what the subgraph was sent.
 */
let graph: TestGraph;
let standIn: Server;
let gateway: RunningGateway;
const forwarded: (string | undefined)[] = [];
beforeAll(async () => {
  graph = await startTestGraph((await loadAllSubgraphs()).filter((s) => s.name === 'geography'));
  standIn = createServer((req, res) => {
    req.resume();
    if (req.method !== 'POST') {
      res.statusCode = 404;
      return void res.end();
    }
    forwarded.push(req.headers['x-request-id'] as string | undefined);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ data: { stp: { name: 'Lincolnshire' } } }));
  });
  await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
  gateway = await startGateway({
    supergraphSdl: graph.supergraphSdl,
    subgraphUrls: { geography: `http://127.0.0.1:${(standIn.address() as AddressInfo).port}/graphql` },
    port: 0,
  });
});
afterAll(async () => {
  await gateway.close();
  standIn.closeAllConnections();
  await new Promise((resolve) => standIn.close(resolve));
  await graph.close();
});

/** Asks through the gateway with this id (or none): the id it answered with, and the one the subgraph got. */
async function ask(id?: string): Promise<{ echoed: string | null; sent: string | undefined }> {
  forwarded.length = 0;
  const res = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(id === undefined ? {} : { 'x-request-id': id }) },
    body: JSON.stringify({ query: '{ stp(code: "QJM") { name } }' }),
  });
  expect(await res.json()).toMatchObject({ data: { stp: { name: 'Lincolnshire' } } });
  expect(forwarded).toHaveLength(1);
  return { echoed: res.headers.get('x-request-id'), sent: forwarded[0] };
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('the request id', () => {
  it("is the caller's when it is a plain token of up to 128 characters: echoed, and sent to the subgraph", async () => {
    for (const id of ['trace-1:abc.DEF_2', 'a'.repeat(128)]) expect(await ask(id)).toEqual({ echoed: id, sent: id });
  });

  it('is a fresh UUID in place of anything else, and that is what the subgraph gets', async () => {
    for (const hostile of ['a'.repeat(129), 'two words', 'x"; drop', '<script>', '']) {
      const { echoed, sent } = await ask(hostile);
      expect(echoed, hostile.slice(0, 20)).toMatch(UUID);
      expect(sent).toBe(echoed);
    }
  });

  it('is made when none is sent, one per request', async () => {
    const [first, second] = [await ask(), await ask()];
    expect(first.echoed).toMatch(UUID);
    expect(first.sent).toBe(first.echoed);
    expect(second.echoed).not.toBe(first.echoed);
  });

  it('is in every error the gateway answers, so a caller can quote it', async () => {
    const res = await fetch(graph.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'quote-me-42' },
      body: JSON.stringify({ query: '{ stp(code: "QJM") { name ' }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-request-id')).toBe('quote-me-42');
    const body = (await res.json()) as { errors: { extensions: Record<string, unknown> }[] };
    expect(body.errors.map((e) => e.extensions)).toEqual([{ code: 'GRAPHQL_PARSE_FAILED', requestId: 'quote-me-42' }]);
  });
});

import { GATEWAY_SIGNATURE_HEADER, gatewaySigner } from '@nhs-hub/kit/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllSubgraphs } from '../config.js';
import { startTestGraph, type TestGraph } from '../testing.js';

/**
 * Issue 23: on :4001, `_service { sdl }` answered anyone, depth 13 answered 29.8 MB in 12.2 s,
 * 200 aliases and field suggestions passed. With a gateway secret (always set in production, made
 * per process by `npm start`) a subgraph answers only the gateway's signed calls, and enforces the
 * gateway's document limits itself.
 */
const SECRET = 'gateway-signature-test-secret-0123456789abcdef';
let graph: TestGraph;
beforeAll(async () => {
  graph = await startTestGraph(await loadAllSubgraphs(), { gatewaySecret: SECRET });
}, 120_000);
afterAll(async () => graph?.close());

const direct = async (query: string, headers: Record<string, string> = {}) => {
  const geography = graph.subgraphs.geography?.url ?? '';
  const response = await fetch(geography, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  return {
    status: response.status,
    body: (await response.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] },
  };
};

describe('subgraphs answer only the gateway', () => {
  it('answers through the gateway', async () => {
    const response = await fetch(graph.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ stp(code: "QJM") { name leads { name } priorities { title } } }' }),
    });
    const body = (await response.json()) as { data?: { stp?: { name?: string } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data?.stp?.name).toBe('Lincolnshire');
  });

  it('refuses an unsigned call, _service included, with a 401', async () => {
    for (const query of ['{ _service { sdl } }', '{ regions { code } }']) {
      const { status, body } = await direct(query);
      expect(status).toBe(401);
      expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(body.data).toBeUndefined();
    }
  });

  it('refuses a signature made with another key, or too old', async () => {
    expect(
      (
        await direct('{ _service { sdl } }', {
          [GATEWAY_SIGNATURE_HEADER]: gatewaySigner('another-key-another-key-another-key!')(),
        })
      ).status,
    ).toBe(401);
    const old = Math.floor(Date.now() / 1000) - 3_600;
    expect(
      (await direct('{ _service { sdl } }', { [GATEWAY_SIGNATURE_HEADER]: `t=${old},v1=${'0'.repeat(64)}` })).status,
    ).toBe(401);
  });

  it("answers the gateway's signature", async () => {
    const { status, body } = await direct('{ _service { sdl } }', {
      [GATEWAY_SIGNATURE_HEADER]: gatewaySigner(SECRET)(),
    });
    expect(status).toBe(200);
    expect(JSON.stringify(body.data)).toContain('type Stp');
  });
});

describe("subgraphs enforce the gateway's document limits themselves", () => {
  const signed = () => ({ [GATEWAY_SIGNATURE_HEADER]: gatewaySigner(SECRET)() });

  it('refuses depth 14 (the gateway allows 12, and its plan adds one level: _entities)', async () => {
    const levels = 6;
    const query = `{ stp(code: "QJM") { ${'region { stps { '.repeat(levels)} code ${'} } '.repeat(levels)} } }`;
    const { status, body } = await direct(query, signed());
    expect(status).toBe(400);
    // Apollo Server gives every validation error its own code; the message names the limit.
    expect(body.errors?.[0]?.message).toMatch(/^Depth limit exceeded: 14, the limit is 13/);
  });

  it('refuses 200 aliases', async () => {
    const query = `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: regions { code }`).join(' ')} }`;
    const { status, body } = await direct(query, signed());
    expect(status).toBe(400);
    expect(body.errors?.map((e) => e.message)).toContain('Alias limit exceeded: 200, the limit is 40.');
  });
});

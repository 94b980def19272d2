import { GATEWAY_SIGNATURE_HEADER, gatewaySignatureFor, gatewaySigner } from '@nhs-hub/kit/platform';
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

type Headers = Record<string, string> | ((body: string) => Record<string, string>);
const geography = () => new URL(graph.subgraphs.geography?.url ?? '');
/** The signature the gateway, holding `key`, would send with this body to geography's /graphql. */
const signedWith =
  (key: string) =>
  (body: string): Record<string, string> =>
    gatewaySignatureFor(gatewaySigner(key), geography(), 'POST', body);

const direct = async (query: string, headers: Headers = {}, path = geography().pathname) => {
  const body = JSON.stringify({ query });
  const response = await fetch(new URL(path, geography()), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(typeof headers === 'function' ? headers(body) : headers) },
    body,
  });
  return {
    status: response.status,
    body: (await response.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] },
  };
};

describe('subgraphs answer only the gateway', () => {
  it("answers through the gateway: its subgraph calls, its data-version reads and the release feed's reads of the data subgraphs are signed", async () => {
    const response = await fetch(graph.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query:
          '{ stp(code: "QJM") { name leads { name } priorities { title } } changes(first: 1) { nodes { subgraph } } }',
      }),
    });
    const body = (await response.json()) as {
      data?: { stp?: { name?: string }; changes?: { nodes: unknown[] } };
      errors?: unknown;
      extensions?: { dataVersion?: string };
    };
    expect(body.errors).toBeUndefined();
    expect(body.data?.stp?.name).toBe('Lincolnshire');
    expect(body.data?.changes?.nodes).toHaveLength(1);
    // GET /releases/version of every data subgraph answered (signed): the version names each.
    expect(body.extensions?.dataVersion).toMatch(
      /^finance\.\d+-geography\.\d+-organisations\.\d+-programmes\.\d+-workforce\.\d+$/,
    );
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
    expect((await direct('{ _service { sdl } }', signedWith('another-key-another-key-another-key!'))).status).toBe(401);
    const old = Math.floor(Date.now() / 1000) - 3_600;
    expect(
      (await direct('{ _service { sdl } }', { [GATEWAY_SIGNATURE_HEADER]: `t=${old},v2=${'0'.repeat(64)}` })).status,
    ).toBe(401);
  });

  it("answers the gateway's signature", async () => {
    const { status, body } = await direct('{ _service { sdl } }', signedWith(SECRET));
    expect(status).toBe(200);
    expect(JSON.stringify(body.data)).toContain('type Stp');
  });

  it('refuses an overheard signature replayed with another body, to another path or as another method: 401', async () => {
    // A signature as the gateway sent it for one call, read off the wire.
    const overheard = signedWith(SECRET)(JSON.stringify({ query: '{ regions { code } }' }));
    const replayed = await direct('{ _service { sdl } }', overheard);
    expect(replayed.status).toBe(401);
    expect(replayed.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(replayed.body.data).toBeUndefined();
    expect((await direct('{ regions { code } }', overheard, '/')).status).toBe(401);
    const asGet = await fetch(new URL(`/graphql?query=${encodeURIComponent('{ regions { code } }')}`, geography()), {
      headers: { ...overheard, 'apollo-require-preflight': 'true' },
    });
    expect(asGet.status).toBe(401);
    // The same header with the body it was made for still answers: the refusals above are the replay's.
    expect((await direct('{ regions { code } }', overheard)).status).toBe(200);
  });

  it('refuses the timestamp-only signature of before (v1): it signed no call in particular', async () => {
    const t = Math.floor(Date.now() / 1000);
    const { createHmac } = await import('node:crypto');
    const v1 = `t=${t},v1=${createHmac('sha256', SECRET).update(`hub-gateway:${t}`).digest('hex')}`;
    expect((await direct('{ _service { sdl } }', { [GATEWAY_SIGNATURE_HEADER]: v1 })).status).toBe(401);
  });
});

describe("subgraphs enforce the gateway's document limits themselves", () => {
  const signed = signedWith(SECRET);

  it('refuses depth 14 (the gateway allows 12, and its plan adds one level: _entities)', async () => {
    const levels = 6;
    const query = `{ stp(code: "QJM") { ${'region { stps { '.repeat(levels)} code ${'} } '.repeat(levels)} } }`;
    const { status, body } = await direct(query, signed);
    expect(status).toBe(400);
    // Apollo Server gives every validation error its own code; the message names the limit.
    expect(body.errors?.[0]?.message).toMatch(/^Depth limit exceeded: 14, the limit is 13/);
  });

  it('refuses 200 aliases', async () => {
    const query = `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: regions { code }`).join(' ')} }`;
    const { status, body } = await direct(query, signed);
    expect(status).toBe(400);
    expect(body.errors?.map((e) => e.message)).toContain('Alias limit exceeded: 200, the limit is 40.');
  });
});

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllSubgraphs } from '../config.js';
import { startTestGraph, type TestGraph } from '../testing.js';

/** Automatic persisted queries through a real gateway over geography. */
let graph: TestGraph;
beforeAll(async () => {
  graph = await startTestGraph((await loadAllSubgraphs()).filter((s) => s.name === 'geography'));
});
afterAll(() => graph.close());

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
type Answer = { data?: unknown; errors?: { message: string; extensions: Record<string, unknown> }[] };
const post = async (body: Record<string, unknown>) => {
  const res = await fetch(graph.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'apq-1' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Answer };
};

describe('automatic persisted queries', () => {
  it("ask for an unknown hash's document (200, as every APQ client expects), keep it once sent, then answer by hash", async () => {
    const query = '{ stp(code: "QOP") { name } }';
    const persistedQuery = { version: 1, sha256Hash: sha256(query) };
    const unknown = await post({ extensions: { persistedQuery } });
    expect(unknown.status).toBe(200);
    expect(unknown.body.errors?.map((e) => e.extensions)).toEqual([
      { code: 'PERSISTED_QUERY_NOT_FOUND', requestId: 'apq-1' },
    ]);
    expect(graph.gateway.caches.persistedQueries.get(persistedQuery.sha256Hash)).toBeUndefined();
    const expected = { stp: { name: 'Greater Manchester' } };
    expect((await post({ query, extensions: { persistedQuery } })).body.data).toEqual(expected);
    // Kept in the gateway's byte-bounded store (docs/security.md, Memory), by its hash.
    expect(graph.gateway.caches.persistedQueries.get(persistedQuery.sha256Hash)).toBe(query);
    const byHash = await post({ extensions: { persistedQuery } });
    expect(byHash).toEqual({ status: 200, body: { data: expected, extensions: { dataVersion: expect.any(String) } } });
  });

  it('refuse a document that does not hash to the hash sent with it (400), and keep nothing of it', async () => {
    const wrong = sha256('another document');
    const { status, body } = await post({
      query: '{ regions { code } }',
      extensions: { persistedQuery: { version: 1, sha256Hash: wrong } },
    });
    expect(status).toBe(400);
    expect(body.errors).toEqual([
      {
        message:
          'The document does not hash to the sha256Hash sent with it (persisted query mismatch): send the hash of exactly this document.',
        extensions: { code: 'PERSISTED_QUERY_MISMATCH', requestId: 'apq-1' },
      },
    ]);
    expect(graph.gateway.caches.persistedQueries.get(wrong)).toBeUndefined();
  });

  it('speak version 1 only, and say so to a client asking for another (400)', async () => {
    for (const version of [2, '1', null]) {
      const { status, body } = await post({
        query: '{ regions { code } }',
        extensions: { persistedQuery: { version, sha256Hash: sha256('{ regions { code } }') } },
      });
      expect(status, String(version)).toBe(400);
      expect(body.errors).toEqual([
        {
          message: `Unsupported persisted query version ${JSON.stringify(version)}: this hub speaks version 1 (sha256Hash).`,
          extensions: { code: 'PERSISTED_QUERY_VERSION_NOT_SUPPORTED', requestId: 'apq-1' },
        },
      ]);
    }
  });
});

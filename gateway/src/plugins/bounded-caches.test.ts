import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllSubgraphs } from '../config.js';
import { startTestGraph, type TestGraph } from '../testing.js';
import { CACHE_BYTES } from './bounded-caches.js';

/**
 * Issue 23: 2,500 documents refused by the token limit alone took the gateway to 3 GB, held by the
 * runtime's parse cache (1,024 entries for an hour, whatever their size). Its caches are now
 * sized in bytes, and nothing a limit refused stays in them.
 */
let graph: TestGraph;
beforeAll(async () => {
  graph = await startTestGraph(await loadAllSubgraphs());
}, 120_000);
afterAll(async () => graph?.close());

const post = async (body: unknown) => {
  const response = await fetch(graph.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
};
const documents = () => graph.gateway.caches.documents;

/** A distinct valid document of about `chars` characters (a comment: the token limit counts no comment). */
const validDocument = (salt: number, chars: number) =>
  `{ stp(code: "QJM") { code name } } # ${salt} ${'padding '.repeat(Math.floor(chars / 8))}`;

describe('the runtime caches parsed documents in bytes', () => {
  it("uses the hub's byte-bounded cache, not the runtime's cache of entries", async () => {
    const before = documents().entries.size;
    expect((await post({ query: '{ regions { code } }' })).status).toBe(200);
    expect(documents().entries.size).toBe(before + 1);
  });

  it('never holds more than its bytes, however many distinct documents come', async () => {
    for (let i = 0; i < 40; i++) {
      const { status } = await post({ query: validDocument(i, 30_000) });
      expect(status).toBe(200);
    }
    expect(documents().bytes).toBeLessThanOrEqual(CACHE_BYTES.documents);
    expect(documents().entries.size).toBeLessThan(40);
  });
});

describe('a document refused by a limit is never cached', () => {
  it.each([
    ['the token limit', `{ stp(code: "QJM") { ${'code '.repeat(4_100)} } }`],
    ['the depth limit', `{ stp(code: "QJM") { ${'region { stps { '.repeat(7)} code ${'} } '.repeat(7)} } }`],
    ['the cost limit', '{ stps(first: 200) { nodes { priorities { programmes { stps { code } } } } } }'],
  ])('%s', async (_, query) => {
    const salted = `${query} # ${Math.random()}`;
    const { status } = await post({ query: salted });
    expect(status).toBe(400);
    expect(documents().get(salted)).toBeUndefined();
  });

  it('nor registered as a persisted query', async () => {
    const query = `{ stp(code: "QJM") { ${'code '.repeat(4_100)} } } # apq`;
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const { status } = await post({ query, extensions: { persistedQuery: { version: 1, sha256Hash } } });
    expect(status).toBe(400);
    expect(graph.gateway.caches.persistedQueries.get(sha256Hash)).toBeUndefined();
    const valid = '{ regions { name } }';
    const validHash = createHash('sha256').update(valid).digest('hex');
    expect(
      (await post({ query: valid, extensions: { persistedQuery: { version: 1, sha256Hash: validHash } } })).status,
    ).toBe(200);
    expect(graph.gateway.caches.persistedQueries.get(validHash)).toBe(valid);
  });
});

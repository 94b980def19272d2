import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHubClient, documentHash, StpOverviewDocument } from '@nhs-hub/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewaySettingsFromEnv } from '../gateway.js';
import { loadAllSubgraphs } from '../config.js';
import { startTestGraph, type TestGraph } from '../testing.js';
import { readEnv } from '@nhs-hub/kit/env';
import { CLIENT_MANIFEST, readManifests } from './trusted-documents.js';

/**
 * Trusted documents through the real gateway: with the client's manifest registered, only its
 * operations run (by hash, by documentId, or as the manifest's exact text); any other document or
 * hash answers 400 TRUSTED_DOCUMENT_REQUIRED, whether the runtime or the response cache would have
 * answered it; the exports and the explorer (outside production) keep working.
 */
const manifest = JSON.parse(readFileSync(CLIENT_MANIFEST, 'utf8')) as Record<string, string>;
const [stpOverviewKey, stpOverviewText] =
  Object.entries(manifest).find(([, document]) => document.startsWith('query StpOverview(')) ?? [];
const ARBITRARY = '{ stp(code: "QJM") { name population } }';

interface Answer {
  data?: { stp?: { code?: string; name?: string; population?: number } | null } | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

describe('trusted documents (HUB_TRUSTED_DOCUMENTS=on)', () => {
  let graph: TestGraph;
  beforeAll(async () => {
    graph = await startTestGraph(await loadAllSubgraphs(), {
      trustedDocuments: { manifests: [CLIENT_MANIFEST] },
      explorer: { operations: [] },
      cache: { ttlMs: 60_000 },
    });
  });
  afterAll(() => graph.close());

  const post = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    fetch(graph.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Answer }));

  it('runs the manifest operations by hash, by documentId and as their exact text', async () => {
    expect(stpOverviewKey).toMatch(/^sha256:[0-9a-f]{64}$/);
    const hex = stpOverviewKey?.slice('sha256:'.length);
    const variables = { code: 'QJM' };
    const byHash = await post({ variables, extensions: { persistedQuery: { version: 1, sha256Hash: hex } } });
    expect(byHash.status).toBe(200);
    expect(byHash.body.data?.stp).toMatchObject({ name: 'Lincolnshire', population: 700000 });
    const byId = await post({ variables, documentId: stpOverviewKey });
    expect(byId.body.data).toEqual(byHash.body.data);
    const byText = await post({ query: stpOverviewText, variables });
    expect(byText.body.data).toEqual(byHash.body.data);
  });

  it('refuses any other document or hash with 400 TRUSTED_DOCUMENT_REQUIRED, cached answers included', async () => {
    for (let i = 0; i < 2; i++) {
      const refused = await post({ query: ARBITRARY });
      expect(refused.status).toBe(400);
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('TRUSTED_DOCUMENT_REQUIRED');
      expect(refused.body.errors?.[0]?.message).toMatch(
        /^The document sha256:[0-9a-f]{64} is not a trusted document: .*manifests/,
      );
    }
    const unknownHash = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } });
    expect(unknownHash.status).toBe(400);
    expect(unknownHash.body.errors?.[0]?.extensions?.code).toBe('TRUSTED_DOCUMENT_REQUIRED');
    expect(unknownHash.body.errors?.[0]?.message).toContain(`${'f'.repeat(64)} is not a trusted document`);
    const unknownId = await post({ documentId: `sha256:${'f'.repeat(64)}` });
    expect(unknownId.status).toBe(400);
    expect(unknownId.body.errors?.[0]?.message).toContain(
      `The hash sha256:${'f'.repeat(64)} is not a trusted document`,
    );
    // Registering a document by automatic persisted queries is no way in.
    const register = await post({
      query: ARBITRARY,
      extensions: { persistedQuery: { version: 1, sha256Hash: 'e'.repeat(64) } },
    });
    expect(register.status).toBe(400);
    // A GET, which the response cache answers when it holds the document, is refused too.
    const get = await fetch(`${graph.gatewayUrl}?query=${encodeURIComponent(ARBITRARY)}`, {
      headers: { 'apollo-require-preflight': 'true', accept: 'application/json' },
    });
    expect(get.status).toBe(400);
    expect(((await get.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe(
      'TRUSTED_DOCUMENT_REQUIRED',
    );
  });

  it('@nhs-hub/client sends its operations by hash when asked, and they answer', async () => {
    expect(`sha256:${documentHash(StpOverviewDocument)}`).toBe(stpOverviewKey);
    const requests: string[] = [];
    const client = createHubClient({
      uri: graph.gatewayUrl,
      trustedDocuments: true,
      fetch: (input, init) => {
        requests.push(String(init?.body ?? ''));
        return fetch(input, init);
      },
    });
    const answer = await client.query({ query: StpOverviewDocument, variables: { code: 'QF7' } });
    expect(answer.data?.stp?.code).toBe('QF7');
    expect(requests).toHaveLength(1);
    expect(JSON.parse(requests[0] ?? '{}').query).toBeUndefined();
  });

  it('keeps the exports and, outside production, the explorer working', async () => {
    const csv = await fetch(graph.gatewayUrl.replace(/\/graphql$/, '/exports/stps.csv'));
    expect(csv.status).toBe(200);
    expect((await csv.text()).split('\n').length).toBeGreaterThan(40);
    const fromExplorer = await post({ query: ARBITRARY }, { referer: graph.gatewayUrl });
    expect(fromExplorer.status).toBe(200);
    expect(fromExplorer.body.data?.stp?.name).toBe('Lincolnshire');
    // Another page's Referer is not the explorer.
    const elsewhere = await post({ query: ARBITRARY }, { referer: 'http://evil.example/graphql' });
    expect(elsewhere.status).toBe(400);
  });

  it('is off unless HUB_TRUSTED_DOCUMENTS=on, and then registers the client manifest unless told others', () => {
    expect(gatewaySettingsFromEnv(readEnv({})).trustedDocuments).toBeUndefined();
    expect(gatewaySettingsFromEnv(readEnv({ HUB_TRUSTED_DOCUMENTS: 'on' })).trustedDocuments).toEqual({
      manifests: [CLIENT_MANIFEST],
    });
    expect(
      gatewaySettingsFromEnv(
        readEnv({ HUB_TRUSTED_DOCUMENTS: 'on', HUB_TRUSTED_DOCUMENTS_MANIFESTS: '/a.json, /b.json' }),
      ).trustedDocuments,
    ).toEqual({ manifests: ['/a.json', '/b.json'] });
    expect(() => readEnv({ HUB_TRUSTED_DOCUMENTS: 'yes' })).toThrow(/HUB_TRUSTED_DOCUMENTS/);
  });

  it('refuses a manifest whose hash is not its document’s', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-manifest-'));
    try {
      const path = join(dir, 'bad.json');
      writeFileSync(path, JSON.stringify({ [`sha256:${'0'.repeat(64)}`]: ARBITRARY }));
      expect(() => readManifests([path])).toThrow(/is not the sha256 of its document/);
      expect(readManifests([CLIENT_MANIFEST]).size).toBe(Object.keys(manifest).length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

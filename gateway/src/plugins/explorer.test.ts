import { readdirSync } from 'node:fs';
import { type IncomingHttpHeaders, request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { postGraphQL, signTestToken, startTestGraph, TEST_JWT_SECRET, type TestGraph } from '../testing.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllSubgraphs, REPO_ROOT } from '../config.js';
import { type RunningGateway, startGateway } from '../gateway.js';
import { explorerOperations } from './explorer/operations.js';

/** The explorer's tabs: every public operation, each with an example that answers as it opens. */
process.env.HUB_JWT_SECRET = TEST_JWT_SECRET;
let graph: TestGraph;
beforeAll(async () => {
  graph = await startTestGraph(await loadAllSubgraphs());
});
afterAll(() => graph.close());

describe('the explorer operations', () => {
  it('are every operation in schema/operations/, StpOverview first, each with example variables', () => {
    const files = readdirSync(`${REPO_ROOT}schema/operations/`)
      .filter((f) => f.endsWith('.graphql'))
      .map((f) => f.replace(/\.graphql$/, ''));
    const operations = explorerOperations();
    expect(operations.map((o) => o.name).sort()).toEqual(files.sort());
    expect(operations[0]?.name).toBe('StpOverview');
    for (const o of operations) expect(o.variables, `${o.name} has no example in examples.json`).toBeDefined();
  });

  it('answer their examples without errors, with a token of the scope they name, and need it', async () => {
    for (const o of explorerOperations()) {
      const authorization = o.scope ? await signTestToken({ scope: o.scope, sub: 'explorer' }) : undefined;
      const { status, body } = await postGraphQL(
        graph.gatewayUrl,
        o.query,
        o.variables,
        authorization ? { authorization } : {},
      );
      expect(status, o.name).toBe(200);
      expect(body.errors, o.name).toBeUndefined();
      expect(body.data, o.name).toBeTruthy();
      if (!o.scope) continue;
      // The scope is the one the answer needs: without it, the restricted field is refused.
      const anonymous = await postGraphQL(graph.gatewayUrl, o.query, o.variables);
      expect(
        anonymous.body.errors?.map((e) => e.extensions?.code),
        o.name,
      ).toContain('FORBIDDEN');
    }
  });
});

/** A request as a browser sends it, and the bytes as they came (fetch would decompress them). */
function raw(
  url: string,
  headers: Record<string, string>,
  method = 'GET',
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

describe('the explorer plugin', () => {
  let explorer: RunningGateway;
  beforeAll(async () => {
    explorer = await startGateway({
      supergraphSdl: graph.supergraphSdl,
      subgraphUrls: Object.fromEntries(Object.entries(graph.subgraphs).map(([name, s]) => [name, s.url])),
      port: 0,
      explorer: { operations: explorerOperations() },
    });
  });
  afterAll(() => explorer.close());
  const page = () => raw(explorer.url, { accept: 'text/html' });

  it('answers a browser at /graphql with its page, tabs inline, checked on every view and never shared', async () => {
    const { status, headers, body } = await page();
    expect(status).toBe(200);
    expect(headers['content-type']).toMatch(/^text\/html/);
    expect(headers['cache-control']).toBe('private, no-cache');
    const html = body.toString();
    for (const o of explorerOperations())
      expect(html, o.name).toContain(JSON.stringify(o.query).replace(/</g, '\\u003c'));
  });

  it('serves every file the page names: brotli, gzip or plain as accepted, kept as immutable', async () => {
    const names = [...new Set((await page()).body.toString().match(/[0-9a-f]{20}\.(?:js|css|ico)/g))];
    // GraphiQL, its styles, the icon and Monaco's three workers
    expect(names).toHaveLength(6);
    for (const name of names) {
      const url = new URL(`/explorer/${name}`, explorer.url).href;
      const plain = await raw(url, {});
      expect(plain.status, name).toBe(200);
      expect(plain.headers, name).toMatchObject({
        'cache-control': 'public, max-age=31536000, immutable',
        vary: 'Accept-Encoding',
        'content-length': String(plain.body.length),
      });
      expect(plain.headers['content-encoding'], name).toBeUndefined();
      const br = await raw(url, { 'accept-encoding': 'gzip, deflate, br' });
      expect(br.headers['content-encoding'], name).toBe('br');
      expect(brotliDecompressSync(br.body).equals(plain.body), name).toBe(true);
      const gzip = await raw(url, { 'accept-encoding': 'gzip' });
      expect(gzip.headers['content-encoding'], name).toBe('gzip');
      expect(gunzipSync(gzip.body).equals(plain.body), name).toBe(true);
      const head = await raw(url, {}, 'HEAD');
      expect([head.status, head.headers['content-length'], head.body.length], name).toEqual([
        200,
        String(plain.body.length),
        0,
      ]);
    }
  });

  it('answers a name it does not have with a 404 no cache keeps', async () => {
    const missing = await raw(new URL(`/explorer/${'0'.repeat(20)}.js`, explorer.url).href, {});
    expect(missing.status).toBe(404);
    expect(missing.headers['cache-control']).toBe('no-store');
  });

  it('is off unless settings are given: no page and no files', async () => {
    const html = (await page()).body.toString();
    const name = html.match(/[0-9a-f]{20}\.js/)?.[0];
    expect((await raw(graph.gatewayUrl, { accept: 'text/html' })).body.toString()).not.toContain('<html');
    expect((await raw(new URL(`/explorer/${name}`, graph.gatewayUrl).href, {})).status).toBe(404);
  });
});

import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signTestToken, startTestGraph, TEST_JWT_SECRET, type TestGraph } from '@nhs-hub/kit/testing';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllSubgraphs, REPO_ROOT } from './config.js';
import { explorerOperations } from './explorer.js';

/**
 * A real browser (Debian's Chromium through playwright-core) against the hub: the offline
 * explorer, and a page on another origin calling the graph with and without a token.
 */
process.env.HUB_JWT_SECRET = TEST_JWT_SECRET;
const CHROMIUM = '/usr/bin/chromium';
const VIEWPORT = { width: 1400, height: 900 };
/** README's picture of the explorer; rewritten only on request, so a test run leaves the tree as it was. */
const SCREENSHOT = `${REPO_ROOT}docs/images/explorer.png`;

/** A PNG's width and height from its IHDR chunk, or null when the bytes are not a PNG. */
function pngSize(png: Buffer): { width: number; height: number } | null {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (png.length < 24 || !png.subarray(0, 8).equals(signature) || png.toString('latin1', 12, 16) !== 'IHDR')
    return null;
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}
let graph: TestGraph;
let browser: Browser;
let pages: Server;
let pagesPort: number;

/** A page a frontend team would serve from its own origin: runs the operations it is given against the hub. */
const APP = `<!doctype html><html><body><pre id="out">running</pre><script>
  const params = new URLSearchParams(location.search);
  const call = (query, variables, token) => fetch(params.get('hub'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: 'Bearer ' + token } : {}) },
    body: JSON.stringify({ query, variables }),
  }).then((r) => r.json());
  window.run = async (calls) => {
    const out = [];
    for (const c of calls) {
      try { out.push(await call(c.query, c.variables, c.token)); } catch (e) { out.push({ failed: String(e) }); }
    }
    document.getElementById('out').textContent = JSON.stringify(out);
    return out;
  };
</script></body></html>`;

beforeAll(async () => {
  graph = await startTestGraph(await loadAllSubgraphs(), { explorer: { operations: explorerOperations() } });
  pages = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(APP);
  });
  await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
  pagesPort = (pages.address() as AddressInfo).port;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  pages?.closeAllConnections();
  await new Promise((resolve) => pages?.close(resolve));
  await graph?.close();
});

describe('the explorer', () => {
  it('loads with nothing from any other host, runs StpOverview and shows Lincolnshire', async () => {
    const page = await browser.newPage({ viewport: VIEWPORT });
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    await page.goto(graph.gatewayUrl, { waitUntil: 'networkidle' });
    // Every public operation is there as a tab.
    expect(await page.locator('.graphiql-tab').count()).toBeGreaterThanOrEqual(explorerOperations().length);
    // GraphiQL 5 opens the tabs' documents but not their variables: type them as a user would.
    await page.locator('.graphiql-editor-tool .graphiql-editor').first().click();
    await page.keyboard.insertText(JSON.stringify(explorerOperations()[0]?.variables));
    await page.locator('.graphiql-execute-button').first().click();
    await expect
      .poll(async () => page.locator('.graphiql-response').textContent(), { timeout: 30_000 })
      .toContain('Lincolnshire');
    const origin = new URL(graph.gatewayUrl).origin;
    const foreign = requested.filter(
      (url) => !url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:'),
    );
    expect(foreign).toEqual([]);
    expect(requested.some((url) => url.startsWith(origin))).toBe(true);
    // The picture shows the answer: the response pane holds Lincolnshire when it is taken.
    expect(await page.locator('.graphiql-response').textContent()).toContain('Lincolnshire');
    const screenshot = await page.screenshot();
    expect(pngSize(screenshot)).toEqual(VIEWPORT);
    if (process.env.UPDATE_SCREENSHOTS === '1') {
      mkdirSync(`${REPO_ROOT}docs/images`, { recursive: true });
      writeFileSync(SCREENSHOT, screenshot);
    }
    await page.close();
  }, 90_000);
});

describe('a browser app on another origin', () => {
  const calls = async (token: string) => [
    { query: explorerOperations()[0]?.query, variables: { code: 'QJM' } },
    {
      query:
        'query($code: ID!, $asOf: Date) { regionSnapshot(code: $code, asOf: $asOf) { financialSummary { rankings { rank stpCode } } } }',
      variables: { code: 'Y60', asOf: '2020-01-01' },
      token,
    },
  ];

  it('runs StpOverview, and RegionRankings with a token (a preflighted request), from an allowed origin', async () => {
    const page = await browser.newPage();
    // localhost:<port> is another origin than the hub's 127.0.0.1:<port>; development allows localhost ports.
    await page.goto(`http://localhost:${pagesPort}/?hub=${encodeURIComponent(graph.gatewayUrl)}`);
    const token = (await signTestToken({ scope: 'region:director' })).replace(/^Bearer /, '');
    const [overview, rankings] = (await page.evaluate(
      async (c) => (window as unknown as { run(c: unknown): Promise<unknown[]> }).run(c),
      await calls(token),
    )) as {
      data?: {
        stp?: { name: string };
        regionSnapshot?: { financialSummary: { rankings: { rank: number; stpCode: string }[] } };
      };
      failed?: string;
    }[];
    expect(overview?.failed).toBeUndefined();
    expect(overview?.data?.stp?.name).toBe('Lincolnshire');
    expect(rankings?.data?.regionSnapshot?.financialSummary.rankings[0]).toEqual({ rank: 1, stpCode: 'QHL' });
    await page.close();
  }, 60_000);

  it('is blocked by the browser when its origin is not allowed', async () => {
    const page = await browser.newPage();
    // Chromium resolves *.localhost to loopback, but evil.localhost is not an allowed origin.
    await page.goto(`http://evil.localhost:${pagesPort}/?hub=${encodeURIComponent(graph.gatewayUrl)}`);
    const [overview] = (await page.evaluate(
      async (c) => (window as unknown as { run(c: unknown): Promise<unknown[]> }).run(c),
      await calls('x'),
    )) as { failed?: string }[];
    expect(overview?.failed).toMatch(/Failed to fetch/);
    await page.close();
  }, 60_000);
});

describe('CORS headers', () => {
  it('answers an allowed preflight 204 with Authorization allowed and no credentials, and an unknown origin with none', async () => {
    const preflight = (origin: string) =>
      fetch(graph.gatewayUrl, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      });
    const allowed = await preflight('http://localhost:5173');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    const evil = await preflight('https://evil.example');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    // A simple (non-preflighted) cross-site request is still refused by CSRF protection.
    const simple = await fetch(`${graph.gatewayUrl}?query=${encodeURIComponent('{ stps { totalCount } }')}`, {
      headers: { origin: 'https://evil.example' },
    });
    expect(simple.status).toBe(403);
  });
});

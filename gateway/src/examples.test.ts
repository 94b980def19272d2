import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { promisify } from 'node:util';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllSubgraphs, REPO_ROOT } from './config.js';
import { needSystemTool, SYSTEM_TOOLS, startTestGraph, type TestGraph } from './testing.js';

/**
 * examples/directors-page, as a team would build it: the packed client installed from its tarball,
 * Vite's production build, served from another origin and driven in Chromium against the hub.
 */
const run = promisify(execFile);
const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && key !== 'NODE_OPTIONS'),
);
const inDir = (cwd: string, file: string, args: string[]) =>
  run(file, args, { cwd, env: cleanEnv, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 }).catch(
    (error: Error & { stdout?: string; stderr?: string }) => {
      throw new Error(`${file} ${args.join(' ')} failed:\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
    },
  );
const EXAMPLE = `${REPO_ROOT}examples/directors-page`;
/** The picture docs/frontend.md shows; written only on request, so a test run leaves the tree as it was. */
const SCREENSHOT = `${REPO_ROOT}docs/images/directors-page.png`;
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

// Absent, this skips with a line naming it and how to install it (CI requires it).
const CHROMIUM = needSystemTool(SYSTEM_TOOLS.chromium).path;

describe.skipIf(!CHROMIUM)('the sample directors page', () => {
  let graph: TestGraph;
  let browser: Browser;
  let site: Server;
  let siteUrl = '';
  const scratch = mkdtempSync(join(tmpdir(), 'hub-directors-page-'));

  beforeAll(async () => {
    graph = await startTestGraph(await loadAllSubgraphs());
    const app = join(scratch, 'directors-page');
    mkdirSync(app);
    for (const entry of ['package.json', 'tsconfig.json', 'vite.config.ts', 'index.html', 'src'])
      cpSync(join(EXAMPLE, entry), join(app, entry), { recursive: true });
    await inDir(REPO_ROOT, 'npx', ['tsc', '-b', 'packages/client/tsconfig.build.json']);
    const { stdout: packed } = await inDir(`${REPO_ROOT}packages/client`, 'npm', ['pack', '--pack-destination', app]);
    // The client as it is now: npm run compose moves its version with the API schema, and the
    // example's package.json names the tarball of the version it was last built with.
    const tarball = packed.trim().split('\n').at(-1) ?? '';
    expect(tarball).toMatch(/^nhs-hub-client-\d+\.\d+\.\d+\.tgz$/);
    const manifest = join(app, 'package.json');
    writeFileSync(
      manifest,
      readFileSync(manifest, 'utf8').replace(
        /"@nhs-hub\/client": "file:[^"]*"/,
        `"@nhs-hub/client": "file:./${tarball}"`,
      ),
    );
    await inDir(app, 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund']);
    await inDir(app, 'npm', ['run', 'build']);
    const dist = join(app, 'dist');
    site = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const file = normalize(join(dist, path === '/' ? 'index.html' : path));
      if (!file.startsWith(dist) || !existsSync(file)) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(readFileSync(file));
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    // localhost:<port> is another origin than the hub's 127.0.0.1:<port>, allowed in development.
    siteUrl = `http://localhost:${(site.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM ?? undefined,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'],
    });
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    if (site) {
      site.closeAllConnections();
      await new Promise((resolve) => site.close(resolve));
    }
    await graph?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("shows a region's member STPs with gap, savings, capital, flags and a gap-per-head chart, for the region and date picked", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${siteUrl}/?hub=${encodeURIComponent(graph.gatewayUrl)}`);
    const rows = page.locator('#stps tbody tr');
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBeGreaterThan(5);
    await expect.poll(() => page.locator('h1').textContent()).toContain('Midlands');
    // Lincolnshire in the Midlands on 2020-01-01, with its stated gap.
    const lincolnshire = rows.filter({ hasText: 'QJM' });
    expect(await lincolnshire.textContent()).toContain('£182 M');
    expect(await page.locator('.flag').count()).toBeGreaterThan(0);
    expect(await page.locator('canvas[aria-label="Gap per head by STP"]').count()).toBe(1);
    expect(await page.locator('a', { hasText: 'Download CSV' }).getAttribute('href')).toBe(
      `${new URL(graph.gatewayUrl).origin}/exports/regions/Y60/stps.csv?asOf=2020-01-01`,
    );
    const screenshot = await page.screenshot({ fullPage: true });
    if (process.env.UPDATE_SCREENSHOTS === '1') writeFileSync(SCREENSHOT, screenshot);
    // Another region from the picker: its own members.
    const options = await page.locator('select[aria-label="Region"] option').allTextContents();
    expect(options.length).toBeGreaterThanOrEqual(7);
    const london = options.find((o) => o.startsWith('London'));
    if (!london) throw new Error(`no London in ${options.join(', ')}`);
    await page.selectOption('select[aria-label="Region"]', { label: london });
    await expect.poll(() => page.locator('h1').textContent(), { timeout: 30_000 }).toContain('London');
    await expect.poll(async () => (await rows.allTextContents()).join(' ')).not.toContain('QJM');
    await page.close();
  }, 120_000);
});

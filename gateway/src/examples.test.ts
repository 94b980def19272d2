import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { promisify } from 'node:util';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoadCommand } from '../../scripts/load.js';
import { loadAllSubgraphs, REPO_ROOT } from './config.js';
import {
  needSystemTool,
  postGraphQL,
  SYSTEM_TOOLS,
  startTestGraph,
  TEST_JWT_SECRET,
  type TestGraph,
} from './testing.js';

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
// The load's purge call to the gateway signs its token with it, as npm run load does in development.
process.env.HUB_JWT_SECRET = TEST_JWT_SECRET;

const MEMBERS = `query Members($code: ID!, $asOf: Date) {
  regionSnapshot(code: $code, asOf: $asOf) { stpCodes stps { code financialGap { combinedGbpM } gapPerHeadDerived { gbpPerPerson } } }
}`;
interface Members {
  regionSnapshot: {
    stpCodes: string[];
    stps: {
      code: string;
      financialGap: { combinedGbpM: string | null } | null;
      gapPerHeadDerived: { gbpPerPerson: string } | null;
    }[];
  } | null;
}
/** What the hub answers for a region on a date, asked directly: what the page must show. */
async function membersOf(url: string, code: string, asOf: string) {
  const { body } = await postGraphQL<Members>(url, MEMBERS, { code, asOf });
  const snapshot = body.data?.regionSnapshot;
  if (!snapshot) throw new Error(`no snapshot of ${code} on ${asOf}: ${JSON.stringify(body.errors)}`);
  return snapshot;
}
/** The part of Chart.js the page puts on window for the console (examples/directors-page/src/App.tsx). */
interface WithChart {
  Chart?: { getChart(canvas: Element): { data: { labels?: unknown[]; datasets: { data: unknown[] }[] } } | undefined };
}
/** What the page's gap-per-head chart draws, read from its Chart.js instance. */
function chartOf(page: Page) {
  return page.evaluate(() => {
    const canvas = document.querySelector('canvas[aria-label="Gap per head by STP"]');
    const chart = canvas ? (window as Window & WithChart).Chart?.getChart(canvas) : undefined;
    return { labels: chart?.data.labels ?? [], values: chart?.data.datasets[0]?.data ?? [] };
  });
}
/** The chart the page should draw for these members: each STP with a gap per head, as a number. */
const chartFor = (stps: Members['regionSnapshot'] & object) => {
  const shown = stps.stps.filter((s) => s.gapPerHeadDerived);
  return { labels: shown.map((s) => s.code), values: shown.map((s) => Number(s.gapPerHeadDerived?.gbpPerPerson)) };
};
/** The STP codes of the page's table, in its order. */
const codesShown = (page: Page) =>
  page
    .locator('#stps tbody tr td:first-child')
    .evaluateAll((cells) => cells.map((cell) => /\(([A-Z0-9]+)\)$/.exec(cell.textContent ?? '')?.[1] ?? ''));

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
    // The members GraphQL gives for Midlands on 2020-01-01, in the table and in the chart.
    const midlands = await membersOf(graph.gatewayUrl, 'Y60', '2020-01-01');
    expect((await codesShown(page)).sort()).toEqual([...midlands.stpCodes].sort());
    // Lincolnshire in the Midlands on 2020-01-01, with its stated gap.
    const lincolnshire = rows.filter({ hasText: 'QJM' });
    expect(await lincolnshire.textContent()).toContain('£182 M');
    expect(await page.locator('.flag').count()).toBeGreaterThan(0);
    const chart = await chartOf(page);
    expect(chart.values.length).toBeGreaterThan(5);
    expect(chart).toEqual(chartFor(midlands));
    expect(await page.locator('a', { hasText: 'Download CSV' }).getAttribute('href')).toBe(
      `${new URL(graph.gatewayUrl).origin}/exports/regions/Y60/stps.csv?asOf=2020-01-01`,
    );
    await expect.poll(() => page.locator('[role="status"]').textContent()).toContain('Live:');
    const screenshot = await page.screenshot({ fullPage: true });
    if (process.env.UPDATE_SCREENSHOTS === '1') writeFileSync(SCREENSHOT, screenshot);

    // Another date: Midlands (Y60) is a region from April 2019, so on 2018-12-01 it has no members,
    // as GraphQL says, and the page says why.
    const before = await membersOf(graph.gatewayUrl, 'Y60', '2018-12-01');
    expect(before.stpCodes).toEqual([]);
    await page.fill('input[aria-label="Date"]', '2018-12-01');
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(0);
    expect(await page.locator('#not-a-region').textContent()).toBe(
      'Midlands (Y60) was a region from 2019-04-01, not on 2018-12-01: pick a region of that date.',
    );
    expect((await chartOf(page)).values).toEqual([]);
    expect(await page.locator('a', { hasText: 'Download CSV' }).getAttribute('href')).toBe(
      `${new URL(graph.gatewayUrl).origin}/exports/regions/Y60/stps.csv?asOf=2018-12-01`,
    );

    // Another region from the picker, which now lists that date's regions: London's members then.
    const options = await page.locator('select[aria-label="Region"] option').allTextContents();
    expect(options.length).toBeGreaterThanOrEqual(5);
    expect(options.some((o) => o.startsWith('Midlands (Y60)'))).toBe(false);
    const london = options.find((o) => o.startsWith('London'));
    if (!london) throw new Error(`no London in ${options.join(', ')}`);
    await page.selectOption('select[aria-label="Region"]', { label: london });
    await expect.poll(() => page.locator('h1').textContent(), { timeout: 30_000 }).toContain('London');
    const londonThen = await membersOf(graph.gatewayUrl, 'Y56', '2018-12-01');
    expect(londonThen.stpCodes.length).toBeGreaterThan(0);
    await expect.poll(async () => (await codesShown(page)).sort()).toEqual([...londonThen.stpCodes].sort());
    expect(await chartOf(page)).toEqual(chartFor(londonThen));
    await page.close();
  }, 120_000);

  it('shows a new figure without a reload when npm run load lands a release (releasePublished)', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${siteUrl}/?hub=${encodeURIComponent(graph.gatewayUrl)}`);
    const leicester = page.locator('#stps tbody tr', { hasText: 'QK1' });
    await expect.poll(() => leicester.textContent(), { timeout: 30_000 }).toContain('£399.3 M');
    await expect.poll(() => page.locator('[role="status"]').textContent()).toContain('Live:');
    // Subscribed at the gateway, so the release cannot land before the page listens.
    await expect.poll(() => graph.gateway.releases.subscribers(), { timeout: 10_000 }).toBe(1);
    // Anything the page holds would be gone after a reload.
    await page.evaluate(() => {
      document.body.dataset.loadedOnce = 'yes';
    });

    // The tracker's gap line for Leicester, Leicestershire and Rutland, its healthcare gap read as
    // the combined one (services/finance's load test uses the same misreading).
    const file = join(scratch, 'misread.csv');
    writeFileSync(
      file,
      'stp_code,kind,document,line,text,amount_as_stated,part,flag,flag_explanation,figure_number\n' +
        'QK1,COMBINED_GAP,seeds/002_5ca6f18803646174.txt,874,Healthcare: £341.66 M + Social care: £57.7 M = Combined: £399.3 M,£341.66 M,,,,\n',
    );
    const err: string[] = [];
    process.env.HUB_GATEWAY_URL = new URL(graph.gatewayUrl).origin;
    try {
      const code = await runLoadCommand(
        ['finance', 'financial_fact', file, `--schema=${graph.subgraphs.finance?.schemaName}`],
        { database: graph.hub.database, cwd: scratch, stdout: () => undefined, stderr: (line) => err.push(line) },
      );
      expect(code, err.join('\n')).toBe(0);
    } finally {
      delete process.env.HUB_GATEWAY_URL;
    }
    expect(err.join('\n')).toContain(`response cache purged at ${new URL(graph.gatewayUrl).origin}`);

    await expect.poll(() => leicester.textContent(), { timeout: 15_000 }).toContain('£341.66 M');
    expect(await page.evaluate(() => document.body.dataset.loadedOnce)).toBe('yes');
    expect(await page.locator('[role="status"]').textContent()).toMatch(/^Refreshed after release finance\.\d+\.$/);
    // The chart is redrawn from the new answer too: Leicester's gap per head is the new gap's.
    const after = await membersOf(graph.gatewayUrl, 'Y60', '2020-01-01');
    expect(after.stps.find((s) => s.code === 'QK1')?.financialGap?.combinedGbpM).toBe('341.66');
    await expect.poll(() => chartOf(page)).toEqual(chartFor(after));
    await page.close();
  }, 120_000);
});

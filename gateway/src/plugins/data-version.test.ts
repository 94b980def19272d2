import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readReleaseAnnouncement } from '@nhs-hub/kit/platform';
import { RELEASE_PATHS } from '@nhs-hub/kit/subgraph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoadCommand } from '../../../scripts/load.js';
import { loadAllSubgraphs } from '../config.js';
import { type RunningGateway, startGateway } from '../gateway.js';
import {
  needService,
  SYSTEM_TOOLS,
  signTestToken,
  startTestGraph,
  TEST_JWT_SECRET,
  type TestGraph,
} from '../testing.js';
import {
  DATA_VERSION_HEADER,
  dataVersionPlugin,
  formatDataVersion,
  NO_DATA_VERSION,
  parseDataVersion,
} from './data-version.js';
import { SUBGRAPH_VERSION_PATH } from './data-version/version.js';

process.env.HUB_JWT_SECRET = TEST_JWT_SECRET;
const REDIS_URL = 'redis://127.0.0.1:6379';
// The shared-Redis test skips, in one line saying how to get one, where none listens (CI fails instead).
const redis = await needService(SYSTEM_TOOLS.redisService, { host: '127.0.0.1', port: 6379 });

describe('the data version as a string', () => {
  it('is the vector of releases by subgraph, in a stable order, and reads back', () => {
    const version = formatDataVersion({
      workforce: { release: 7 },
      finance: { release: 12 },
      programmes: { release: null },
    });
    expect(version).toBe('finance.12-programmes.0-workforce.7');
    // Quoted, it is a valid ETag (RFC 9110 etagc: no quote, no space, no control character).
    expect(version).toMatch(/^[A-Za-z0-9_.-]+$/);
    expect(parseDataVersion(version)).toEqual({ finance: 12, programmes: 0, workforce: 7 });
    expect(formatDataVersion({})).toBe(NO_DATA_VERSION);
    expect(parseDataVersion(NO_DATA_VERSION)).toEqual({});
    for (const bad of ['', 'finance', 'finance.x', 'finance.1-finance.2', 'fin ance.1', 'finance.1-'])
      expect(parseDataVersion(bad), bad).toBeNull();
  });

  it('reads an announcement as the kit sends it, and nothing else', () => {
    const at = new Date().toISOString();
    const counts = { inserted: 1, updated: 0, deleted: 0 };
    expect(readReleaseAnnouncement({ subgraph: 'finance', id: 3, at, kind: 'load', tables: [], counts })).toMatchObject(
      {
        subgraph: 'finance',
        id: 3,
        at,
      },
    );
    for (const bad of [
      null,
      'finance.3',
      { subgraph: 'finance', id: '3', at, kind: 'load', tables: [], counts },
      { subgraph: '', id: 3, at, kind: 'load', tables: [], counts },
      { subgraph: 'finance', id: 3, at, kind: 'drop', tables: [], counts },
    ])
      expect(readReleaseAnnouncement(bad)).toBeNull();
  });

  it("asks each subgraph at the kit's release route", () => {
    expect(SUBGRAPH_VERSION_PATH).toBe(RELEASE_PATHS.version);
  });
});

describe('asking subgraphs that misbehave', () => {
  it('keeps the last release of one that stops answering, leaves out one without the route, and says which it never knew', async () => {
    const answers: Record<string, () => { status: number; body?: unknown } | 'hang'> = {
      finance: () => ({ status: 200, body: { subgraph: 'finance', release: 3, at: '2026-12-07T10:00:00.000Z' } }),
      workforce: () => ({ status: 200, body: { subgraph: 'workforce', release: null, at: null } }),
      legacy: () => ({ status: 404 }),
      broken: () => ({ status: 500 }),
    };
    const seen: (string | undefined)[] = [];
    const asked: string[] = [];
    const servers = await Promise.all(
      Object.keys(answers).map(async (name) => {
        const server = createServer((req, res) => {
          seen.push(req.headers['x-test-signature'] as string | undefined);
          asked.push(name);
          const answer = answers[name]?.();
          if (answer === 'hang' || answer === undefined) return;
          res.writeHead(answer.status, { 'content-type': 'application/json' });
          res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        return [name, server] as const;
      }),
    );
    const subgraphs = Object.fromEntries(
      servers.map(([name, server]) => [name, `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`]),
    );
    const plugin = await dataVersionPlugin({
      subgraphs,
      // The signature covers the call as sent: its method and path.
      sign: ({ method, path }) => ({ 'x-test-signature': `${method} ${path}` }),
      refreshMs: 60_000,
    });
    try {
      const { version } = plugin;
      expect(seen.length).toBe(4);
      expect(seen.every((s) => s === 'GET /releases/version')).toBe(true);
      expect(version.current()).toBe('finance.3-workforce.0');
      expect(await plugin.checks?.()).toEqual({ dataVersion: 'no release known of broken (status 500)' });
      expect(plugin.status?.()).toEqual({ dataVersion: 'finance.3-workforce.0' });
      // finance hangs now: it keeps release 3, and asking never takes longer than its timeout.
      answers.finance = () => 'hang';
      answers.workforce = () => ({
        status: 200,
        body: { subgraph: 'workforce', release: 1, at: new Date().toISOString() },
      });
      const started = Date.now();
      await version.refresh();
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(version.current()).toBe('finance.3-workforce.1');
      // One without the route was asked once, at start, and never again.
      expect(asked.filter((name) => name === 'legacy')).toEqual(['legacy']);
      expect(asked.filter((name) => name === 'broken')).toEqual(['broken', 'broken']);
      const heard: string[] = [];
      version.onRelease((release) => heard.push(`${release.subgraph}.${release.id}`));
      const release = (subgraph: string, id: number) => ({
        subgraph,
        id,
        at: new Date().toISOString(),
        actor: 'test',
        kind: 'load' as const,
        tables: ['workforce_fact'],
        files: [],
        counts: { inserted: 1, updated: 0, deleted: 0 },
        reverts: null,
        revertedBy: null,
      });
      expect(version.announce(release('finance', 4))).toBe(true);
      // heard twice (Redis and the purge call): the version moves once, listeners hear it once
      expect(version.announce(release('finance', 4))).toBe(false);
      expect(version.announce(release('toString', 9))).toBe(false);
      expect(heard).toEqual(['finance.4']);
      expect(version.current()).toBe('finance.4-workforce.1');
      // Until it announces a release: then it is one that keeps them, asked as the others are.
      answers.legacy = () => ({ status: 200, body: { subgraph: 'legacy', release: 2, at: new Date().toISOString() } });
      expect(version.announce(release('legacy', 2))).toBe(true);
      await version.refresh();
      expect(asked.filter((name) => name === 'legacy')).toEqual(['legacy', 'legacy']);
      expect(version.current()).toBe('finance.4-legacy.2-workforce.1');
    } finally {
      await plugin.close?.();
      for (const [, server] of servers) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    }
  });
});

const TTL_MS = 300_000;
const WORKFORCE = '{ stp(code: "QJM") { name workforceFacts { id qualifier } } }';
type Workforce = { stp: { workforceFacts: { id: string; qualifier: string | null }[] } };
const qualifierOf = (data: Workforce | null | undefined) =>
  data?.stp.workforceFacts.find((f) => f.id === 'workforce.QJM.1')?.qualifier;
const row = (qualifier: string) => ({
  id: 'workforce.QJM.1',
  stp_code: 'QJM',
  kind: 'VACANCY_RATE',
  value: '9',
  unit: 'PERCENT',
  qualifier,
  statement: 'high vacancy rate ≈ 9%',
  source_document: 'seeds/000_647e8cd618725ea4.txt',
  source_line: 34,
});
const temp = mkdtempSync(join(tmpdir(), 'hub-version-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('the data version through the real stack', () => {
  let graph: TestGraph;
  /** A second gateway that hears of no release (no purge call, no Redis): it learns by asking, every 200 ms. */
  let asking: RunningGateway;
  const gatewaySecret = randomBytes(32).toString('hex');

  beforeAll(async () => {
    // Subgraphs that answer only signed calls: the version is asked for with the gateway's signature.
    graph = await startTestGraph(await loadAllSubgraphs(), {
      cache: { ttlMs: TTL_MS },
      gatewaySecret,
      releases: { refreshMs: 600_000 },
      corsOrigins: ['http://localhost:5173'],
    });
    asking = await startGateway({
      supergraphSdl: graph.supergraphSdl,
      subgraphUrls: Object.fromEntries(Object.entries(graph.subgraphs).map(([n, s]) => [n, s.url])),
      port: 0,
      gatewaySecret,
      cache: { ttlMs: TTL_MS },
      releases: { refreshMs: 200 },
    });
  }, 120_000);
  afterAll(async () => {
    await asking?.close();
    await graph?.close();
  });

  const post = async (url: string, query: string, headers: Record<string, string> = {}) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query }),
    });
    const body = (await res.json()) as {
      data?: Workforce | null;
      errors?: unknown[];
      extensions?: Record<string, unknown>;
    };
    return { res, body, version: res.headers.get(DATA_VERSION_HEADER) };
  };

  /** Loads rows into workforce_fact as `npm run load` does, the purge call going to `gatewayUrl` when given. */
  async function load(name: string, rows: readonly object[], env: Record<string, string> = {}) {
    writeFileSync(join(temp, name), JSON.stringify(rows));
    const err: string[] = [];
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      const code = await runLoadCommand(
        ['workforce', 'workforce_fact', name, `--schema=${graph.subgraphs.workforce?.schemaName}`],
        { database: graph.hub.database, cwd: temp, stdout: () => undefined, stderr: (line) => err.push(line) },
      );
      expect(code, err.join('\n')).toBe(0);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    return err.join('\n');
  }
  const until = async (what: () => boolean, ms = 5_000) => {
    for (const end = Date.now() + ms; !what() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));
    return what();
  };

  it('is every data subgraph’s latest release, learnt at start through signed calls, the same in every gateway', async () => {
    const version = graph.gateway.dataVersion.current();
    // A subgraph without tables (releases) has no releases of its own: it answers 404 and is left out.
    const withData = (await loadAllSubgraphs()).filter((s) => !s.dataless).map((s) => s.name);
    expect(withData.length).toBeGreaterThan(0);
    expect(Object.keys(parseDataVersion(version) ?? {})).toEqual(withData.sort());
    expect(asking.dataVersion.current()).toBe(version);
  });

  it('is asked for without costing any request a statement (tests and benches count them)', async () => {
    graph.resetCounters();
    await graph.gateway.dataVersion.refresh();
    await asking.dataVersion.refresh();
    expect(graph.statements()).toBe(0);
  });

  it('is on every answer: header and extensions alike, an error, a hit, health, and exposed to browsers', async () => {
    const version = graph.gateway.dataVersion.current();
    const origin = 'http://localhost:5173';
    const miss = await post(graph.gatewayUrl, '{ regions { code } }', { origin });
    expect(miss.version).toBe(version);
    expect(miss.body.extensions?.dataVersion).toBe(version);
    expect(miss.res.headers.get('access-control-expose-headers')).toContain(DATA_VERSION_HEADER);
    const hits = graph.gateway.cache?.stats.hits ?? 0;
    const hit = await post(graph.gatewayUrl, '{ regions { code } }');
    expect(graph.gateway.cache?.stats.hits).toBe(hits + 1);
    expect(hit.version).toBe(version);
    expect(hit.body.extensions?.dataVersion).toBe(version);
    const invalid = await post(graph.gatewayUrl, '{ noSuchField }');
    expect(invalid.body.errors?.length).toBeGreaterThan(0);
    expect(invalid.version).toBe(version);
    expect(invalid.body.extensions?.dataVersion).toBe(version);
    // Refused at the front door, before the runtime: the header still says which data it is.
    const refused = await post(graph.gatewayUrl, '{ regions { code } }', { authorization: 'Bearer forged' });
    expect(refused.res.status).toBe(401);
    expect(refused.version).toBe(version);
    // A conditional GET's 304 says it too.
    const url = `${graph.gatewayUrl}?${new URLSearchParams({ query: '{ regions { code } }' })}`;
    const preflighted = { 'apollo-require-preflight': 'true' };
    const got = await fetch(url, { headers: preflighted });
    await got.text();
    const revalidated = await fetch(url, {
      headers: { ...preflighted, 'if-none-match': got.headers.get('etag') ?? '' },
    });
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers.get(DATA_VERSION_HEADER)).toBe(version);
    const ready = await fetch(new URL('/health/ready', graph.gatewayUrl));
    expect(await ready.json()).toMatchObject({ status: 'ready', dataVersion: version, checks: { dataVersion: true } });
  });

  it('moves exactly once on a load, not on an unchanged reload; no cached answer or export crosses it', async () => {
    const before = graph.gateway.dataVersion.current();
    const releases = parseDataVersion(before) ?? {};
    const exportUrl = new URL('/exports/stps.csv?asOf=2019-06-01', graph.gatewayUrl);
    const askingExport = new URL('/exports/stps.csv?asOf=2019-06-01', asking.url);
    const director = await signTestToken({ scope: 'region:director', sub: 'director' });

    // Before: each gateway caches the answer, and an export's ETag is answered 304.
    for (const url of [graph.gatewayUrl, asking.url]) {
      expect(qualifierOf((await post(url, WORKFORCE)).body.data)).toBe('≈');
      expect(qualifierOf((await post(url, WORKFORCE)).body.data)).toBe('≈');
    }
    const file = await fetch(exportUrl);
    expect(file.status).toBe(200);
    const etag = file.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"x[0-9a-f]{64}"$/);
    expect(file.headers.get(DATA_VERSION_HEADER)).toBe(before);
    expect(await file.text()).toContain('≈');
    const notModified = await fetch(exportUrl, { headers: { 'if-none-match': etag } });
    expect(notModified.status).toBe(304);
    expect(await notModified.text()).toBe('');
    for (const header of ['etag', 'cache-control', 'vary', DATA_VERSION_HEADER])
      expect(notModified.headers.get(header), header).toBe(file.headers.get(header));
    expect(file.headers.get('cache-control')).toBe('private, no-cache');
    // Weakened by a CDN that compressed it, the ETag still matches; another caller's scopes do not.
    expect((await fetch(exportUrl, { headers: { 'if-none-match': `"other", W/${etag}` } })).status).toBe(304);
    const asDirector = await fetch(exportUrl, { headers: { 'if-none-match': etag, authorization: director } });
    expect(asDirector.status).toBe(200);
    expect(asDirector.headers.get('etag')).not.toBe(etag);
    await asDirector.text();
    const askingFile = await fetch(askingExport);
    const askingTag = askingFile.headers.get('etag') ?? '';
    await askingFile.text();
    expect((await fetch(askingExport, { headers: { 'if-none-match': askingTag } })).status).toBe(304);

    // The load: its purge call reaches the first gateway; the second hears nothing and must ask.
    const moves: string[] = [];
    const asked: string[] = [];
    const stop = graph.gateway.dataVersion.onChange((v) => moves.push(v));
    const stopAsking = asking.dataVersion.onChange((v) => asked.push(v));
    const report = await load('about.json', [row('about')], { HUB_GATEWAY_URL: new URL(graph.gatewayUrl).origin });
    expect(report).toContain(`response cache purged at ${new URL(graph.gatewayUrl).origin}`);
    const after = graph.gateway.dataVersion.current();
    expect(parseDataVersion(after)).toEqual({ ...releases, workforce: (releases.workforce ?? 0) + 1 });
    expect(await until(() => asking.dataVersion.current() === after)).toBe(true);

    for (const url of [graph.gatewayUrl, asking.url]) {
      const answer = await post(url, WORKFORCE);
      expect(qualifierOf(answer.body.data), url).toBe('about');
      expect(answer.version, url).toBe(after);
      expect(answer.body.extensions?.dataVersion, url).toBe(after);
    }
    // The second gateway's cache was never purged: only the version kept its old answer from being served.
    expect(asking.cache?.stats.hits).toBeGreaterThan(0);
    const changed = await fetch(exportUrl, { headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(changed.headers.get(DATA_VERSION_HEADER)).toBe(after);
    expect(await changed.text()).toContain('about');
    const askingChanged = await fetch(askingExport, { headers: { 'if-none-match': askingTag } });
    expect(askingChanged.status).toBe(200);
    await askingChanged.text();

    // The same file again changes nothing: no release, and the version stays, asked or not.
    const unchanged = await load('about-again.json', [row('about')], {
      HUB_GATEWAY_URL: new URL(graph.gatewayUrl).origin,
    });
    expect(unchanged).not.toContain('Recorded as release');
    await new Promise((r) => setTimeout(r, 500));
    await graph.gateway.dataVersion.refresh();
    expect(graph.gateway.dataVersion.current()).toBe(after);
    expect(asking.dataVersion.current()).toBe(after);
    // One release, one move, in each gateway: heard from the purge call, or asked for.
    stop();
    stopAsking();
    expect(moves).toEqual([after]);
    expect(asked).toEqual([after]);
    const newTag = changed.headers.get('etag') ?? '';
    expect((await fetch(exportUrl, { headers: { 'if-none-match': newTag } })).status).toBe(304);
  }, 60_000);

  it('never goes back on an announcement older than what it knows', async () => {
    const now = graph.gateway.dataVersion.current();
    const workforce = parseDataVersion(now)?.workforce ?? 0;
    const token = await signTestToken({ scope: 'hub:cache:purge' });
    const announce = async (release: object) => {
      const res = await fetch(new URL('/admin/cache/purge', graph.gatewayUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: token },
        body: JSON.stringify({ release }),
      });
      return (await res.json()) as { dataVersion: string };
    };
    const old = new Date(Date.now() - 3_600_000).toISOString();
    expect((await announce({ subgraph: 'workforce', id: Math.max(workforce - 1, 1), at: old })).dataVersion).toBe(now);
    expect((await announce({ subgraph: 'nobody', id: 99, at: new Date().toISOString() })).dataVersion).toBe(now);
  });
});

describe.skipIf(!redis)('gateways sharing a Redis', () => {
  it('both move on one announcement', async () => {
    const graph = await startTestGraph(await loadAllSubgraphs(), {});
    const prefix = `hub:test:version:${randomBytes(4).toString('hex')}:`;
    const shared = {
      supergraphSdl: graph.supergraphSdl,
      subgraphUrls: Object.fromEntries(Object.entries(graph.subgraphs).map(([n, s]) => [n, s.url])),
      port: 0,
      cache: { ttlMs: TTL_MS, redisUrl: REDIS_URL, redisKeyPrefix: prefix },
      releases: { redisUrl: REDIS_URL, redisKeyPrefix: prefix, refreshMs: 600_000 },
    };
    const a = await startGateway(shared);
    const b = await startGateway(shared);
    try {
      const before = a.dataVersion.current();
      expect(b.dataVersion.current()).toBe(before);
      writeFileSync(join(temp, 'shared.json'), JSON.stringify([row('shared')]));
      const err: string[] = [];
      process.env.HUB_CACHE_REDIS_URL = REDIS_URL;
      process.env.HUB_CACHE_REDIS_PREFIX = prefix;
      try {
        const code = await runLoadCommand(
          ['workforce', 'workforce_fact', 'shared.json', `--schema=${graph.subgraphs.workforce?.schemaName}`],
          { database: graph.hub.database, cwd: temp, stdout: () => undefined, stderr: (line) => err.push(line) },
        );
        expect(code, err.join('\n')).toBe(0);
      } finally {
        delete process.env.HUB_CACHE_REDIS_URL;
        delete process.env.HUB_CACHE_REDIS_PREFIX;
      }
      expect(err.join('\n')).toMatch(/announced in Redis \(\d+ gateway replica\(s\) listening\)/);
      const expected = { ...parseDataVersion(before), workforce: (parseDataVersion(before)?.workforce ?? 0) + 1 };
      const moved = (g: RunningGateway) =>
        JSON.stringify(parseDataVersion(g.dataVersion.current())) === JSON.stringify(expected);
      for (let i = 0; i < 100 && !(moved(a) && moved(b)); i++) await new Promise((r) => setTimeout(r, 50));
      expect(parseDataVersion(a.dataVersion.current())).toEqual(expected);
      expect(parseDataVersion(b.dataVersion.current())).toEqual(expected);
    } finally {
      await a.close();
      await b.close();
      await graph.close();
    }
  }, 120_000);
});

import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoadCommand } from '../../scripts/load.js';
import { loadAllSubgraphs, REPO_ROOT } from './config.js';
import {
  needSystemTool,
  SYSTEM_TOOLS,
  signTestToken,
  startTestGraph,
  TEST_JWT_SECRET,
  type TestGraph,
} from './testing.js';

/**
 * The hub behind a real shared cache: Debian's Varnish, started on loopback with the VCL the hub
 * ships (infra/varnish/hub.vcl), in front of the gateway with its response cache on.
 */
// Absent, these skip with a line saying how to install it (CI requires it).
const VARNISHD = needSystemTool(SYSTEM_TOOLS.varnish).path;
process.env.HUB_JWT_SECRET = TEST_JWT_SECRET;

const TTL_MS = 300_000;
const op = (name: string) => readFileSync(`${REPO_ROOT}schema/operations/${name}.graphql`, 'utf8');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe.skipIf(!VARNISHD)('Varnish in front of the gateway', () => {
  let graph: TestGraph;
  let varnish: ChildProcess;
  let varnishUrl = '';
  let stderr = '';
  const temp = mkdtempSync(join(tmpdir(), 'hub-cdn-'));
  /** GraphQL requests that reached the gateway's own socket (what Varnish did not answer itself). */
  const arrived: string[] = [];

  beforeAll(async () => {
    graph = await startTestGraph(await loadAllSubgraphs(), { cache: { ttlMs: TTL_MS } });
    graph.gateway.http.on('request', (req: IncomingMessage) => arrived.push(`${req.method} ${req.url}`));
    const vcl = readFileSync(`${REPO_ROOT}infra/varnish/hub.vcl`, 'utf8').replace(
      '.port = "4000";',
      `.port = "${graph.gateway.port}";`,
    );
    writeFileSync(join(temp, 'hub.vcl'), vcl);
    const port = await freePort();
    varnishUrl = `http://127.0.0.1:${port}`;
    // -F: in the foreground, a child of this test; -j none: no jail (the test may run as root or not).
    varnish = spawn(
      VARNISHD ?? '',
      [
        '-F',
        '-j',
        'none',
        '-a',
        `127.0.0.1:${port}`,
        '-f',
        join(temp, 'hub.vcl'),
        '-n',
        join(temp, 'work'),
        '-s',
        'malloc,32m',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    varnish.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    for (let i = 0; i < 100; i++) {
      const up = await fetch(`${varnishUrl}/health/live`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) return;
      if (varnish.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`varnishd did not start: ${stderr}`);
  }, 120_000);

  afterAll(async () => {
    if (varnish && varnish.exitCode === null) {
      const exited = new Promise((resolve) => varnish.once('exit', resolve));
      varnish.kill('SIGTERM');
      await exited;
    }
    await graph?.close();
    rmSync(temp, { recursive: true, force: true });
  });

  const PREFLIGHTED = { 'apollo-require-preflight': 'true' };
  /** A persisted query's GET URL through Varnish, the document registered first as APQ clients do. */
  async function persistedGet(name: string, variables: Record<string, unknown>): Promise<string> {
    const query = op(name);
    const extensions = { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') } };
    const registered = await fetch(graph.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables, extensions }),
    });
    expect(registered.status).toBe(200);
    await registered.text();
    const params = new URLSearchParams({
      operationName: name,
      variables: JSON.stringify(variables),
      extensions: JSON.stringify(extensions),
    });
    return `${varnishUrl}/graphql?${params}`;
  }
  const get = async (url: string, headers: Record<string, string> = {}) => {
    const before = arrived.length;
    const res = await fetch(url, { headers: { ...PREFLIGHTED, ...headers } });
    const text = await res.text();
    return { res, text, reachedGateway: arrived.length - before, cache: res.headers.get('x-cache') };
  };

  it('serves a public persisted GET itself after the first, without asking the gateway', async () => {
    const url = await persistedGet('StpOverview', { code: 'QJM' });
    const first = await get(url);
    expect(first.res.status).toBe(200);
    expect(first.cache).toBe('MISS');
    expect(first.reachedGateway).toBe(1);
    expect(JSON.parse(first.text).data.stp.name).toBe('Lincolnshire');
    expect(first.res.headers.get('cache-control')).toBe(`public, max-age=0, s-maxage=${TTL_MS / 1000}`);
    const second = await get(url);
    expect(second.cache).toBe('HIT');
    expect(second.reachedGateway).toBe(0);
    expect(second.text).toBe(first.text);
    // A browser revalidating gets a 304 from Varnish, with the ETag the gateway gave.
    const etag = first.res.headers.get('etag') ?? '';
    const revalidated = await get(url, { 'if-none-match': etag });
    expect(revalidated.res.status).toBe(304);
    expect(revalidated.reachedGateway).toBe(0);
  });

  it("never hands one origin another origin's Access-Control-Allow-Origin", async () => {
    const url = await persistedGet('StpOverview', { code: 'QF7' });
    const origins = ['http://localhost:5173', 'http://localhost:3000', 'https://evil.example', undefined];
    // Twice over, so the second round is answered from what the first stored.
    for (const round of [1, 2]) {
      for (const origin of origins) {
        const answer = await get(url, origin ? { origin } : {});
        expect(answer.res.status, `${origin} round ${round}`).toBe(200);
        const allowed = answer.res.headers.get('access-control-allow-origin');
        expect(allowed, `${origin} round ${round}`).toBe(origin?.startsWith('http://localhost') ? origin : null);
        if (round === 2) expect(answer.cache, `${origin} round ${round}`).toBe('HIT');
      }
    }
  });

  it('never stores an answer to a caller with a token', async () => {
    const url = await persistedGet('StpOverview', { code: 'QUY' });
    const authorization = await signTestToken({ scope: 'region:director', sub: 'director' });
    for (let i = 0; i < 2; i++) {
      const answer = await get(url, { authorization });
      expect(answer.res.status).toBe(200);
      expect(answer.cache).toBe('MISS');
      expect(answer.reachedGateway).toBe(1);
      expect(answer.res.headers.get('cache-control')).toBe('private, no-cache');
    }
    // The public answer to the same URL is stored apart and never handed to the token's caller.
    await get(url);
    expect((await get(url)).cache).toBe('HIT');
    expect((await get(url, { authorization })).cache).toBe('MISS');
  });

  it('serves the new answer after npm run load, which purges Varnish by surrogate key', async () => {
    const query = '{ stp(code: "QJM") { name workforceFacts { id qualifier } } }';
    const url = `${varnishUrl}/graphql?${new URLSearchParams({ query })}`;
    type Workforce = { data: { stp: { workforceFacts: { id: string; qualifier: string | null }[] } } };
    const qualifier = (text: string) =>
      (JSON.parse(text) as Workforce).data.stp.workforceFacts.find((f) => f.id === 'workforce.QJM.1')?.qualifier;
    const before = await get(url);
    expect(qualifier(before.text)).toBe('≈');
    expect(before.res.headers.get('surrogate-key')?.split(' ')).toEqual(
      expect.arrayContaining(['hub', 'subgraph:workforce']),
    );
    // An answer that read no workforce data, to show the purge takes only what it names.
    const elsewhere = `${varnishUrl}/graphql?${new URLSearchParams({ query: '{ regions { code } }' })}`;
    await get(elsewhere);
    expect((await get(elsewhere)).cache).toBe('HIT');
    expect((await get(url)).cache).toBe('HIT');

    const row = {
      id: 'workforce.QJM.1',
      stp_code: 'QJM',
      kind: 'VACANCY_RATE',
      value: '9',
      unit: 'PERCENT',
      qualifier: 'about',
      statement: 'high vacancy rate ≈ 9%',
      source_document: 'seeds/000_647e8cd618725ea4.txt',
      source_line: 34,
    };
    writeFileSync(join(temp, 'changed.json'), JSON.stringify([row]));
    const err: string[] = [];
    process.env.HUB_GATEWAY_URL = new URL(graph.gatewayUrl).origin;
    process.env.HUB_CDN_PURGE_URL = `${varnishUrl}/`;
    try {
      const code = await runLoadCommand(
        ['workforce', 'workforce_fact', 'changed.json', `--schema=${graph.subgraphs.workforce?.schemaName}`],
        { database: graph.hub.database, cwd: temp, stdout: () => undefined, stderr: (line) => err.push(line) },
      );
      expect(code).toBe(0);
    } finally {
      delete process.env.HUB_GATEWAY_URL;
      delete process.env.HUB_CDN_PURGE_URL;
    }
    expect(err.join('\n')).toContain(`CDN purged at ${varnishUrl}/ (subgraph:workforce)`);
    const after = await get(url);
    expect(after.cache).toBe('MISS');
    expect(qualifier(after.text)).toBe('about');
    expect((await get(url)).cache).toBe('HIT');
    // The answer that read no workforce data stayed.
    expect((await get(elsewhere)).cache).toBe('HIT');
  });
});

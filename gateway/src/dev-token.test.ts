import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authenticate, ensureLocalSecret, localSecretFile, signDevToken } from '@nhs-hub/kit/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTokenCommand } from '../../scripts/token.js';
import { loadAllSubgraphs } from './config.js';
import { explorerOperations } from './plugins/explorer/operations.js';
import { postGraphQL, startTestGraph, TEST_JWT_SECRET, type TestGraph } from './testing.js';

/** Development tokens: npm start's local secret, npm run token, and the explorer filling one in. */
const temp = mkdtempSync(join(tmpdir(), 'hub-dev-token-'));
const saved = { dir: process.env.PGLITE_DATA_DIR, secret: process.env.HUB_JWT_SECRET };
afterAll(() => {
  rmSync(temp, { recursive: true, force: true });
  process.env.PGLITE_DATA_DIR = saved.dir;
  if (saved.secret === undefined) delete process.env.HUB_JWT_SECRET;
  else process.env.HUB_JWT_SECRET = saved.secret;
});

const run = async (argv: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runTokenCommand(
    argv,
    (line) => out.push(line),
    (line) => err.push(line),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
};

describe('npm run token', () => {
  it("signs a short-lived token with npm start's local secret, which the hub accepts with its scope", async () => {
    process.env.PGLITE_DATA_DIR = join(temp, 'hub');
    delete process.env.HUB_JWT_SECRET;
    const file = localSecretFile({ PGLITE_DATA_DIR: process.env.PGLITE_DATA_DIR });
    expect(file).toBe(join(temp, 'dev-jwt-secret'));
    // Before npm start made the secret: says how to get one.
    const none = await run(['--scope', 'region:director']);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/npm start/);
    // What npm start does, the first time and every time after.
    const secret = ensureLocalSecret(file);
    expect(ensureLocalSecret(file)).toBe(secret);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const made = await run(['--scope', 'region:director']);
    expect(made.code).toBe(0);
    const auth = await authenticate(`Bearer ${made.out}`, {
      secret,
      clockToleranceSeconds: 0,
      jwksCooldownSeconds: 30,
    });
    expect([...auth.scopes]).toEqual(['region:director']);
    expect(auth.subject).toBe('local-developer');
    const claims = JSON.parse(Buffer.from(made.out.split('.')[1] ?? '', 'base64url').toString()) as {
      iat: number;
      exp: number;
    };
    expect(claims.exp - claims.iat).toBe(3600);
    // A token from another secret is refused.
    await expect(
      authenticate(`Bearer ${made.out}`, { secret: 'x'.repeat(40), clockToleranceSeconds: 0, jwksCooldownSeconds: 30 }),
    ).rejects.toThrow();
    expect((await run([])).code).toBe(2);
    expect((await run(['--scope', 'a', '--ttl', '3d'])).code).toBe(2);
    expect((await run(['--scope', 'a', '--ttl', '24h'])).code).toBe(2);
  });
});

describe('the explorer in development', () => {
  let graph: TestGraph;
  beforeAll(async () => {
    process.env.HUB_JWT_SECRET = TEST_JWT_SECRET;
    graph = await startTestGraph(await loadAllSubgraphs(), {
      explorer: { operations: explorerOperations(), devToken: (scope) => signDevToken(TEST_JWT_SECRET, [scope]) },
    });
  });
  afterAll(() => graph?.close());

  it('fills a live token into the tabs that need a scope, and RegionRankings answers with it', async () => {
    const page = await (await fetch(graph.gatewayUrl, { headers: { accept: 'text/html' } })).text();
    expect(page).not.toContain('<a token with scope');
    const token = /Bearer (eyJ[\w-]+\.[\w-]+\.[\w-]+)/.exec(page)?.[1];
    expect(token).toBeDefined();
    const rankings = explorerOperations().find((o) => o.scope === 'region:director');
    if (!rankings) throw new Error('no operation needs region:director');
    const { status, body } = await postGraphQL<{
      regionSnapshot: { financialSummary: { rankings: { rank: number }[] | null } };
    }>(graph.gatewayUrl, rankings.query, rankings.variables, { authorization: `Bearer ${token}` });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data?.regionSnapshot.financialSummary.rankings?.[0]?.rank).toBe(1);
  });
});

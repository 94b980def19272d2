import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startGateway } from '../gateway.js';
import { postGraphQL, startTestGraph, type TestGraph } from '../testing.js';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllSubgraphs } from '../config.js';

/**
 * Tokens as NHS CIS2 and Microsoft Entra ID issue them: RS256/ES256, verified against the
 * identity provider's JWKS (served here by a loopback server the test controls), by the gateway
 * and by every subgraph it forwards them to.
 */
const ISSUER = 'https://login.example.nhs.uk/tenant';
const AUDIENCE = 'api://nhs-region-hub';
const RANKINGS =
  'query { regionSnapshot(code: "Y60", asOf: "2020-01-01") { financialSummary { rankings { rank stpCode } } } }';

type Key = Awaited<ReturnType<typeof generateKeyPair>>;
let published: JWK[] = [];
let jwksMode: 'up' | 'down' | 'error' = 'up';
let jwksServer: Server;
let jwksUrl: string;
let graph: TestGraph;
let rsa: Key;
let ec: Key;
let rotated: Key;

async function publicJwk(key: Key, kid: string, alg: string): Promise<JWK> {
  return { ...(await exportJWK(key.publicKey)), kid, alg, use: 'sig' };
}

async function sign(
  key: Key,
  kid: string,
  alg: 'RS256' | 'ES256',
  claims: Record<string, unknown> = {},
  options: { issuer?: string; audience?: string; expiresIn?: string | number; notBefore?: number } = {},
) {
  const jwt = new SignJWT({ scp: 'region:director', ...claims })
    .setProtectedHeader({ alg, kid })
    .setSubject('director@nhs.net')
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '10m');
  if (options.notBefore !== undefined) jwt.setNotBefore(options.notBefore);
  return `Bearer ${await jwt.sign(key.privateKey)}`;
}

beforeAll(async () => {
  [rsa, ec, rotated] = await Promise.all([
    generateKeyPair('RS256'),
    generateKeyPair('ES256'),
    generateKeyPair('RS256'),
  ]);
  published = [await publicJwk(rsa, 'rsa-1', 'RS256'), await publicJwk(ec, 'ec-1', 'ES256')];
  jwksServer = createServer((_req, res) => {
    if (jwksMode === 'down') return res.socket?.destroy();
    if (jwksMode === 'error') {
      res.statusCode = 500;
      return res.end('oops');
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
  Object.assign(process.env, {
    HUB_JWT_JWKS_URL: jwksUrl,
    HUB_JWT_ISSUER: ISSUER,
    HUB_JWT_AUDIENCE: AUDIENCE,
    HUB_JWT_CLOCK_SKEW_SECONDS: '30',
    // A rotation shows within a second rather than 30 (the default), so the running gateway's own
    // key set can be seen to follow it.
    HUB_JWT_JWKS_COOLDOWN_SECONDS: '1',
  });
  graph = await startTestGraph(await loadAllSubgraphs());
});
afterAll(async () => {
  for (const key of [
    'HUB_JWT_JWKS_URL',
    'HUB_JWT_ISSUER',
    'HUB_JWT_AUDIENCE',
    'HUB_JWT_CLOCK_SKEW_SECONDS',
    'HUB_JWT_JWKS_COOLDOWN_SECONDS',
  ])
    delete process.env[key];
  await graph.close();
  jwksServer.closeAllConnections();
  await new Promise((resolve) => jwksServer.close(resolve));
});

const rankings = (authorization: string) =>
  postGraphQL<{ regionSnapshot: { financialSummary: { rankings: { rank: number; stpCode: string }[] | null } } }>(
    graph.gatewayUrl,
    RANKINGS,
    undefined,
    { authorization },
  );

describe('tokens signed by an identity provider (JWKS)', () => {
  it.each([
    ['RS256', () => sign(rsa, 'rsa-1', 'RS256')],
    ['ES256', () => sign(ec, 'ec-1', 'ES256')],
  ])('accepts %s with the scope, checked again by the finance subgraph', async (_alg, token) => {
    const { status, body } = await rankings(await token());
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data?.regionSnapshot.financialSummary.rankings?.[0]).toEqual({ rank: 1, stpCode: 'QHL' });
  });

  it('refuses the wrong issuer, the wrong audience, and an expired token, saying which', async () => {
    const wrongIssuer = await rankings(await sign(rsa, 'rsa-1', 'RS256', {}, { issuer: 'https://evil.example' }));
    expect(wrongIssuer.status).toBe(401);
    expect(wrongIssuer.body.errors?.[0]?.message).toMatch(/^Invalid bearer token: claim "iss"/);
    const wrongAudience = await rankings(await sign(rsa, 'rsa-1', 'RS256', {}, { audience: 'api://another-service' }));
    expect(wrongAudience.status).toBe(401);
    expect(wrongAudience.body.errors?.[0]?.message).toMatch(/^Invalid bearer token: claim "aud"/);
    const expired = await rankings(
      await sign(rsa, 'rsa-1', 'RS256', {}, { expiresIn: Math.floor(Date.now() / 1000) - 120 }),
    );
    expect(expired.status).toBe(401);
    expect(expired.body.errors?.[0]?.message).toBe('Invalid bearer token: expired');
  });

  it('tolerates clock skew within HUB_JWT_CLOCK_SKEW_SECONDS', async () => {
    // Expired 10 s ago by this clock: within the 30 s tolerance, as an issuer's clock a little ahead would make it.
    const { status, body } = await rankings(
      await sign(rsa, 'rsa-1', 'RS256', {}, { expiresIn: Math.floor(Date.now() / 1000) - 10 }),
    );
    expect(status).toBe(200);
    expect(body.data?.regionSnapshot.financialSummary.rankings).toHaveLength(11);
  });

  it('refuses a token that is not valid yet (nbf beyond the clock skew), and accepts one within it', async () => {
    const now = Math.floor(Date.now() / 1000);
    const early = await rankings(await sign(ec, 'ec-1', 'ES256', {}, { notBefore: now + 120 }));
    expect(early.status).toBe(401);
    expect(early.body.errors?.[0]).toMatchObject({
      message:
        'Invalid bearer token: not valid yet: its "nbf" is more than 30 s (the clock skew allowed) in the future',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    expect(early.body.data).toBeUndefined();
    // 10 s ahead: an issuer whose clock runs a little fast, within the 30 s allowed.
    const withinSkew = await rankings(await sign(ec, 'ec-1', 'ES256', {}, { notBefore: now + 10 }));
    expect(withinSkew.status).toBe(200);
    expect(withinSkew.body.data?.regionSnapshot.financialSummary.rankings?.[0]).toEqual({ rank: 1, stpCode: 'QHL' });
  });

  it('follows a key rotation by kid in the running gateway: the new key answers once published, the withdrawn one is refused', async () => {
    // The gateway (and finance, which checks the token again) have fetched the set already: the
    // rotation must reach the key set they hold, not a fresh one.
    const unknown = await rankings(await sign(rotated, 'rsa-2', 'RS256'));
    expect(unknown.status).toBe(401);
    expect(unknown.body.errors?.[0]?.message).toBe(
      'Invalid bearer token: signed with a key the identity provider does not publish (unknown kid)',
    );
    // The provider publishes the new key and withdraws the old one.
    published = [await publicJwk(rotated, 'rsa-2', 'RS256'), await publicJwk(ec, 'ec-1', 'ES256')];
    // An unknown kid refetches the set at most once per cooldown (1 s here): ask until it has.
    let answer = await rankings(await sign(rotated, 'rsa-2', 'RS256'));
    for (const deadline = Date.now() + 15_000; answer.status === 401 && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      answer = await rankings(await sign(rotated, 'rsa-2', 'RS256'));
    }
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data?.regionSnapshot.financialSummary.rankings?.[0]).toEqual({ rank: 1, stpCode: 'QHL' });
    const withdrawn = await rankings(await sign(rsa, 'rsa-1', 'RS256'));
    expect(withdrawn.status).toBe(401);
    expect(withdrawn.body.errors?.[0]).toMatchObject({
      message: 'Invalid bearer token: signed with a key the identity provider does not publish (unknown kid)',
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });

  it('answers 503 (never a crash) while the JWKS endpoint is down or answers 500, and recovers', async () => {
    const { authenticate } = await import('@nhs-hub/kit/subgraph');
    const fresh = (tag: string) => ({
      secret: undefined,
      issuer: ISSUER,
      audience: AUDIENCE,
      jwksUrl: `${jwksUrl}?${tag}`,
    });
    const unavailable = { extensions: { code: 'IDENTITY_PROVIDER_UNAVAILABLE', http: { status: 503 } } };
    try {
      jwksMode = 'down';
      await expect(authenticate(await sign(ec, 'ec-1', 'ES256'), fresh('down'))).rejects.toMatchObject(unavailable);
      jwksMode = 'error';
      await expect(authenticate(await sign(ec, 'ec-1', 'ES256'), fresh('error'))).rejects.toMatchObject(unavailable);
      // Through a gateway whose keys were never fetched: a clear 503 for each, and the gateway stays up.
      const gateway = await startGateway({
        supergraphSdl: graph.supergraphSdl,
        subgraphUrls: Object.fromEntries(Object.entries(graph.subgraphs).map(([n, s]) => [n, s.url])),
        port: 0,
      });
      try {
        for (const [mode, detail] of [
          ['down', /is unreachable: fetch failed\)/],
          ['error', /answered: Expected 200 OK from the JSON Web Key Set HTTP response\)/],
        ] as const) {
          jwksMode = mode;
          process.env.HUB_JWT_JWKS_URL = `${jwksUrl}?gateway-${mode}`;
          const res = await postGraphQL(gateway.url, RANKINGS, undefined, {
            authorization: await sign(ec, 'ec-1', 'ES256'),
          });
          expect(res.status, mode).toBe(503);
          expect(res.body.errors?.[0]?.extensions?.code, mode).toBe('IDENTITY_PROVIDER_UNAVAILABLE');
          expect(res.body.errors?.[0]?.message, mode).toMatch(
            /^Cannot verify bearer tokens right now: the identity provider's signing keys are unavailable \(/,
          );
          expect(res.body.errors?.[0]?.message, mode).toMatch(detail);
          expect((await postGraphQL(gateway.url, '{ stp(code: "QJM") { name } }')).body.data).toEqual({
            stp: { name: 'Lincolnshire' },
          });
        }
      } finally {
        await gateway.close();
        process.env.HUB_JWT_JWKS_URL = jwksUrl;
      }
    } finally {
      jwksMode = 'up';
    }
    await expect(authenticate(await sign(ec, 'ec-1', 'ES256'), fresh('recovered'))).resolves.toMatchObject({
      scopes: new Set(['region:director']),
    });
  });

  it('refuses an HS256 token when the hub has no shared secret, rather than trusting it', async () => {
    const forged = `Bearer ${await new SignJWT({ scp: 'region:director' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('x'.repeat(40)))}`;
    const { status, body } = await rankings(forged);
    expect(status).toBe(401);
    expect(body.errors?.[0]?.message).toMatch(/HS256 tokens are not accepted here/);
  });
});

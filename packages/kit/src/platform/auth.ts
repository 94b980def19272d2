import { GraphQLError } from 'graphql';
import { createRemoteJWKSet, errors as joseErrors, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { type HubEnv, readEnvVars } from './env.js';
import { HubErrorCode, hubError } from './errors.js';

/**
 * Scopes the hub grants. Public data needs none; a restricted field names the scope it needs, and
 * both the gateway and the subgraph that owns the field check the caller's token, so a subgraph
 * reached directly (not through the gateway) enforces the same rule.
 */
export const HubScope = {
  /** Regional directors' tools: league tables of STPs within a region. */
  REGIONAL_DIRECTOR: 'region:director',
} as const;
export type HubScope = (typeof HubScope)[keyof typeof HubScope];

export interface HubAuth {
  /** The token's `sub`, or null for an anonymous caller. */
  readonly subject: string | null;
  readonly scopes: ReadonlySet<string>;
}

export const ANONYMOUS: HubAuth = Object.freeze({ subject: null, scopes: new Set<string>() });

/**
 * How bearer tokens are verified. HS256 with a secret every hub process shares (development, or a
 * hub that issues its own tokens), and/or RS256/ES256 against an identity provider's published
 * keys (a JWKS: NHS CIS2, Microsoft Entra ID), rotated by `kid`.
 */
export interface JwtSettings {
  readonly secret: string | undefined;
  /** The key before the last rotation (HUB_JWT_PREVIOUS_SECRET): HS256 tokens it signed still verify. */
  readonly previousSecret?: string | undefined;
  readonly issuer?: string | undefined;
  readonly audience?: string | undefined;
  /** The identity provider's JWKS endpoint (HUB_JWT_JWKS_URL). */
  readonly jwksUrl?: string | undefined;
  /** Seconds of clock difference tolerated on `exp`, `nbf` and `iat`. */
  readonly clockToleranceSeconds?: number | undefined;
  /** Seconds between JWKS fetches for a `kid` the cached set lacks (HUB_JWT_JWKS_COOLDOWN_SECONDS); 30 unless given. */
  readonly jwksCooldownSeconds?: number | undefined;
  /** Longest a token may live, `iat` (or now) to `exp` (HUB_JWT_MAX_LIFETIME_SECONDS); 12 h unless given. */
  readonly maxLifetimeSeconds?: number | undefined;
}

const JWT_ENV_KEYS = [
  'HUB_JWT_SECRET',
  'HUB_JWT_PREVIOUS_SECRET',
  'HUB_JWT_ISSUER',
  'HUB_JWT_AUDIENCE',
  'HUB_JWT_JWKS_URL',
  'HUB_JWT_CLOCK_SKEW_SECONDS',
  'HUB_JWT_JWKS_COOLDOWN_SECONDS',
  'HUB_JWT_MAX_LIFETIME_SECONDS',
] as const satisfies readonly (keyof HubEnv)[];

export type JwtEnv = Pick<HubEnv, (typeof JWT_ENV_KEYS)[number]>;

/** Read per request, not once: tests (and a hub embedding the kit) set the secret after import. */
export function jwtSettingsFromEnv(env: JwtEnv = readEnvVars(JWT_ENV_KEYS)): JwtSettings {
  return {
    secret: env.HUB_JWT_SECRET,
    previousSecret: env.HUB_JWT_PREVIOUS_SECRET,
    issuer: env.HUB_JWT_ISSUER,
    audience: env.HUB_JWT_AUDIENCE,
    jwksUrl: env.HUB_JWT_JWKS_URL,
    clockToleranceSeconds: env.HUB_JWT_CLOCK_SKEW_SECONDS,
    jwksCooldownSeconds: env.HUB_JWT_JWKS_COOLDOWN_SECONDS,
    maxLifetimeSeconds: env.HUB_JWT_MAX_LIFETIME_SECONDS,
  };
}

function unauthenticated(reason: string): GraphQLError {
  return hubError(`Invalid bearer token: ${reason}`, HubErrorCode.UNAUTHENTICATED, {
    extensions: { http: { status: 401 } },
  });
}

/** The token may be fine; the keys to check it with could not be fetched. Retrying later can succeed. */
function keysUnavailable(detail: string): GraphQLError {
  return hubError(
    `Cannot verify bearer tokens right now: the identity provider's signing keys are unavailable (${detail}). Retry shortly.`,
    HubErrorCode.IDENTITY_PROVIDER_UNAVAILABLE,
    { extensions: { http: { status: 503 } } },
  );
}

const secretKeys = new Map<string, Uint8Array>();
function secretKey(secret: string): Uint8Array {
  let key = secretKeys.get(secret);
  if (!key) {
    key = new TextEncoder().encode(secret);
    secretKeys.set(secret, key);
  }
  return key;
}

const remoteKeySets = new Map<string, JWTVerifyGetKey>();

const DEFAULT_JWKS_COOLDOWN_SECONDS = 30;

function remoteKeySet(url: string, cooldownSeconds: number): JWTVerifyGetKey {
  // One set per URL and cooldown, kept for the life of the process: that is what lets a running
  // hub follow a rotation (the set it holds refetches), rather than only a freshly started one.
  const id = `${cooldownSeconds} ${url}`;
  let keys = remoteKeySets.get(id);
  if (!keys) {
    // jose refetches the set when a token names a kid it has not seen (rotation), at most once per
    // cooldown, and keeps the set for 10 minutes; a slow provider cannot hold a request past 3 s.
    keys = createRemoteJWKSet(new URL(url), {
      timeoutDuration: 3_000,
      cooldownDuration: cooldownSeconds * 1_000,
      cacheMaxAge: 600_000,
    });
    remoteKeySets.set(id, keys);
  }
  return keys;
}

function algorithmOf(token: string): string | undefined {
  try {
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as {
      alg?: unknown;
    };
    return typeof header.alg === 'string' ? header.alg : undefined;
  } catch {
    return undefined;
  }
}

const ASYMMETRIC = ['RS256', 'ES256'];

const DEFAULT_MAX_LIFETIME_SECONDS = 43_200;

/**
 * jose checks `exp` only when a token has one, and `iat` not at all: a token without `exp` lived
 * for ever, and one issued in 2100 passed. A token must expire, within the maximum lifetime of its
 * issue (or of now, when it does not say when it was issued), and not be issued in the future.
 */
function checkLifetime(payload: Readonly<Record<string, unknown>>, skewSeconds: number, maxSeconds: number): void {
  const now = Math.floor(Date.now() / 1000);
  if (typeof payload.exp !== 'number') throw unauthenticated('it has no "exp": tokens must expire');
  if (payload.iat !== undefined && typeof payload.iat !== 'number') throw unauthenticated('its "iat" is not a time');
  const iat = payload.iat as number | undefined;
  if (iat !== undefined && iat > now + skewSeconds)
    throw unauthenticated(
      `issued in the future: its "iat" is more than ${skewSeconds} s (the clock skew allowed) ahead`,
    );
  const lifetime = payload.exp - (iat ?? now);
  if (lifetime > maxSeconds + skewSeconds)
    throw unauthenticated(
      `it lives ${lifetime} s, longer than the ${maxSeconds} s allowed (HUB_JWT_MAX_LIFETIME_SECONDS): ask the issuer for a shorter-lived token`,
    );
}

/**
 * Reads the caller from an `Authorization` header. No header: anonymous (public data stays
 * public). A header that is not a valid, unexpired token signed with a key the hub trusts: a 401,
 * never a silent downgrade to anonymous, so a client with a broken token learns it at once.
 */
export async function authenticate(
  authorization: string | string[] | undefined,
  given?: JwtSettings,
): Promise<HubAuth> {
  const header = Array.isArray(authorization) ? authorization[0] : authorization;
  if (header === undefined || header === '') return ANONYMOUS;
  // Read only for a caller with a token: an anonymous request, the common case, validates no env.
  const settings = given ?? jwtSettingsFromEnv();
  const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(header.trim());
  if (!match?.[1]) throw unauthenticated('expected "Authorization: Bearer <JWT>"');
  const token = match[1];
  const alg = algorithmOf(token);
  const hasSecret = Boolean(settings.secret && settings.secret.length >= 32);
  if (!hasSecret && !settings.jwksUrl) {
    throw unauthenticated('this hub has no HUB_JWT_SECRET (32+ characters) or HUB_JWT_JWKS_URL to verify tokens with');
  }
  const options = {
    ...(settings.issuer ? { issuer: settings.issuer } : {}),
    ...(settings.audience ? { audience: settings.audience } : {}),
    clockTolerance: settings.clockToleranceSeconds ?? 60,
  };
  try {
    let payload: Record<string, unknown> & { sub?: string };
    if (alg === 'HS256') {
      if (!hasSecret || !settings.secret)
        throw unauthenticated('HS256 tokens are not accepted here (no HUB_JWT_SECRET); expected RS256 or ES256');
      const verify = (secret: string) => jwtVerify(token, secretKey(secret), { ...options, algorithms: ['HS256'] });
      try {
        ({ payload } = await verify(settings.secret));
      } catch (error) {
        // Signed with the key before the last rotation: accepted until the operator drops it.
        if (!(error instanceof joseErrors.JWSSignatureVerificationFailed) || !settings.previousSecret) throw error;
        ({ payload } = await verify(settings.previousSecret));
      }
    } else if (alg && ASYMMETRIC.includes(alg)) {
      if (!settings.jwksUrl) throw unauthenticated(`${alg} tokens need HUB_JWT_JWKS_URL, which this hub does not have`);
      const keys = remoteKeySet(settings.jwksUrl, settings.jwksCooldownSeconds ?? DEFAULT_JWKS_COOLDOWN_SECONDS);
      ({ payload } = await jwtVerify(token, keys, { ...options, algorithms: ASYMMETRIC }));
    } else {
      throw unauthenticated(`algorithm ${alg ?? 'unreadable'} is not accepted (HS256, RS256, ES256 are)`);
    }
    checkLifetime(payload, options.clockTolerance, settings.maxLifetimeSeconds ?? DEFAULT_MAX_LIFETIME_SECONDS);
    // OAuth 2 style: `scope` is space-separated; some issuers (Entra ID) send `scp`, or `roles` as an array.
    const raw = payload.scope ?? payload.scp ?? payload.roles;
    const scopes =
      typeof raw === 'string'
        ? raw.split(' ')
        : Array.isArray(raw)
          ? raw.filter((s): s is string => typeof s === 'string')
          : [];
    return { subject: payload.sub ?? null, scopes: new Set(scopes.filter(Boolean)) };
  } catch (error) {
    if (error instanceof GraphQLError) throw error;
    if (error instanceof joseErrors.JWKSTimeout) throw keysUnavailable(`no answer from ${settings.jwksUrl} within 3 s`);
    if (error instanceof joseErrors.JOSEError && /JSON Web Key Set HTTP response/.test(error.message))
      throw keysUnavailable(`${settings.jwksUrl} answered: ${error.message}`);
    if (error instanceof joseErrors.JWKSInvalid)
      throw keysUnavailable(`${settings.jwksUrl} did not return a valid JWKS`);
    if (error instanceof joseErrors.JWTExpired) throw unauthenticated('expired');
    // jose says only that the timestamp check failed; the caller needs to know it is early, not forged.
    if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'nbf')
      throw unauthenticated(
        `not valid yet: its "nbf" is more than ${options.clockTolerance} s (the clock skew allowed) in the future`,
      );
    if (error instanceof joseErrors.JWTClaimValidationFailed)
      throw unauthenticated(
        `claim "${error.claim}" ${error.reason === 'check_failed' ? 'does not match' : error.reason}: ${error.message}`,
      );
    if (error instanceof joseErrors.JWKSNoMatchingKey)
      throw unauthenticated('signed with a key the identity provider does not publish (unknown kid)');
    if (error instanceof joseErrors.JOSEError)
      throw unauthenticated(
        error.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' ? 'signature does not verify' : error.message,
      );
    // fetch failed: the JWKS endpoint is down or unreachable.
    if (error instanceof TypeError || (error as { name?: string }).name === 'AbortError')
      throw keysUnavailable(`${settings.jwksUrl} is unreachable: ${(error as Error).message}`);
    throw unauthenticated('unreadable');
  }
}

/** Throws FORBIDDEN unless the caller holds `scope`; the rest of the query still answers. */
export function requireScope(auth: HubAuth, scope: HubScope, field: string): void {
  if (auth.scopes.has(scope)) return;
  throw hubError(
    auth.subject === null
      ? `${field} needs a bearer token with scope "${scope}"`
      : `${field} needs scope "${scope}", which this token does not grant`,
    HubErrorCode.FORBIDDEN,
    { extensions: { requiredScope: scope } },
  );
}

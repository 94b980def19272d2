import { GraphQLError } from 'graphql';
import { errors as joseErrors, jwtVerify } from 'jose';

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

/** HS256 secret every hub process shares (HUB_JWT_SECRET, at least 32 characters). */
export interface JwtSettings {
  readonly secret: string | undefined;
  readonly issuer?: string | undefined;
  readonly audience?: string | undefined;
}

export function jwtSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): JwtSettings {
  return { secret: env.HUB_JWT_SECRET, issuer: env.HUB_JWT_ISSUER, audience: env.HUB_JWT_AUDIENCE };
}

function unauthenticated(reason: string): GraphQLError {
  return new GraphQLError(`Invalid bearer token: ${reason}`, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

const keyCache = new Map<string, Uint8Array>();

/**
 * Reads the caller from an `Authorization` header. No header: anonymous (public data stays
 * public). A header that is not a valid, unexpired token signed with the hub's key: a 401, never a
 * silent downgrade to anonymous, so a client with a broken token learns it at once.
 */
export async function authenticate(authorization: string | string[] | undefined, settings: JwtSettings = jwtSettingsFromEnv()): Promise<HubAuth> {
  const header = Array.isArray(authorization) ? authorization[0] : authorization;
  if (header === undefined || header === '') return ANONYMOUS;
  const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(header.trim());
  if (!match?.[1]) throw unauthenticated('expected "Authorization: Bearer <JWT>"');
  if (!settings.secret || settings.secret.length < 32) throw unauthenticated('this hub has no HUB_JWT_SECRET (32+ characters) to verify tokens with');
  let key = keyCache.get(settings.secret);
  if (!key) {
    key = new TextEncoder().encode(settings.secret);
    keyCache.set(settings.secret, key);
  }
  try {
    const { payload } = await jwtVerify(match[1], key, {
      algorithms: ['HS256'],
      ...(settings.issuer ? { issuer: settings.issuer } : {}),
      ...(settings.audience ? { audience: settings.audience } : {}),
    });
    // OAuth 2 style: `scope` is space-separated; some issuers send `scp` as an array.
    const raw = payload.scope ?? payload.scp;
    const scopes = typeof raw === 'string' ? raw.split(' ') : Array.isArray(raw) ? raw.filter((s): s is string => typeof s === 'string') : [];
    return { subject: payload.sub ?? null, scopes: new Set(scopes.filter(Boolean)) };
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw unauthenticated('expired');
    if (error instanceof joseErrors.JOSEError) throw unauthenticated(error.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' ? 'signature does not verify' : error.message);
    throw unauthenticated('unreadable');
  }
}

/** Throws FORBIDDEN unless the caller holds `scope`; the rest of the query still answers. */
export function requireScope(auth: HubAuth, scope: HubScope, field: string): void {
  if (auth.scopes.has(scope)) return;
  throw new GraphQLError(
    auth.subject === null
      ? `${field} needs a bearer token with scope "${scope}"`
      : `${field} needs scope "${scope}", which this token does not grant`,
    { extensions: { code: 'FORBIDDEN', requiredScope: scope } },
  );
}

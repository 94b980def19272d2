import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SignJWT } from 'jose';
import { DEFAULT_PGLITE_DATA_DIR } from '../db.js';
import type { HubEnv } from './env.js';

/** Who a development token says it is: never a person, so logs tell it apart. */
export const DEV_TOKEN_SUBJECT = 'local-developer';
/** How long a development token lives unless asked otherwise: a working session, not a day. */
export const DEV_TOKEN_TTL = '1h';

/**
 * Where `npm start` keeps the HS256 secret it signs development tokens with when no
 * HUB_JWT_SECRET or JWKS is configured: beside the embedded database (like the purge key in
 * gateway.json), readable only by the user who started it, the same secret on every start so a
 * token survives a restart.
 */
export function localSecretFile(env: Pick<HubEnv, 'PGLITE_DATA_DIR'>): string {
  return join(dirname(env.PGLITE_DATA_DIR ?? DEFAULT_PGLITE_DATA_DIR), 'dev-jwt-secret');
}

/** The local development secret, made (48 random bytes, mode 0600) the first time it is asked for. */
export function ensureLocalSecret(path: string): string {
  if (existsSync(path)) {
    const kept = readFileSync(path, 'utf8').trim();
    if (kept.length >= 32) return kept;
  }
  const secret = randomBytes(48).toString('base64url');
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, secret, { mode: 0o600 });
  return secret;
}

/** The local secret if `npm start` made one, else null (nothing is created here). */
export function readLocalSecret(path: string): string | null {
  if (!existsSync(path)) return null;
  const kept = readFileSync(path, 'utf8').trim();
  return kept.length >= 32 ? kept : null;
}

/** A short-lived HS256 token with these scopes, as the hub verifies them (`scope`, space-separated). */
export async function signDevToken(
  secret: string,
  scopes: readonly string[],
  options: { readonly ttl?: string; readonly issuer?: string | undefined; readonly audience?: string | undefined } = {},
): Promise<string> {
  let jwt = new SignJWT({ scope: scopes.join(' ') })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(DEV_TOKEN_SUBJECT)
    .setIssuedAt()
    .setExpirationTime(options.ttl ?? DEV_TOKEN_TTL);
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}

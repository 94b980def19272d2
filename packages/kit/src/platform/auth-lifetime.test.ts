import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { authenticate, type JwtSettings } from './auth.js';

/** Issue 23: a token without `exp` was accepted, and so was one issued in the year 2100. */
const SECRET = 'lifetime-test-secret-of-at-least-32-characters';
const settings: JwtSettings = { secret: SECRET, clockToleranceSeconds: 60, maxLifetimeSeconds: 12 * 3600 };
const now = () => Math.floor(Date.now() / 1000);

async function token(claims: { iat?: number; exp?: number }): Promise<string> {
  let jwt = new SignJWT({ scope: 'region:director' }).setProtectedHeader({ alg: 'HS256' }).setSubject('someone');
  if (claims.iat !== undefined) jwt = jwt.setIssuedAt(claims.iat);
  if (claims.exp !== undefined) jwt = jwt.setExpirationTime(claims.exp);
  return `Bearer ${await jwt.sign(new TextEncoder().encode(SECRET))}`;
}

describe('token lifetime', () => {
  it('refuses a token without exp', async () => {
    await expect(authenticate(await token({ iat: now() }), settings)).rejects.toThrow(/has no "exp"/);
  });

  it('refuses a token issued in the future beyond the clock skew (iat in 2100)', async () => {
    const in2100 = Date.UTC(2100, 0, 1) / 1000;
    await expect(authenticate(await token({ iat: in2100, exp: in2100 + 3600 }), settings)).rejects.toThrow(
      /issued in the future/,
    );
  });

  it('accepts an iat within the skew', async () => {
    const auth = await authenticate(await token({ iat: now() + 30, exp: now() + 3600 }), settings);
    expect(auth.subject).toBe('someone');
  });

  it('refuses a token living longer than the maximum lifetime, and accepts one within it', async () => {
    await expect(authenticate(await token({ iat: now(), exp: now() + 13 * 3600 }), settings)).rejects.toThrow(
      /longer than the 43200 s allowed/,
    );
    await expect(authenticate(await token({ exp: now() + 30 * 86_400 }), settings)).rejects.toThrow(/longer than/);
    const auth = await authenticate(await token({ iat: now(), exp: now() + 12 * 3600 }), settings);
    expect([...auth.scopes]).toEqual(['region:director']);
  });

  it('takes the maximum lifetime from its setting', async () => {
    const short = { ...settings, maxLifetimeSeconds: 600 };
    await expect(authenticate(await token({ iat: now(), exp: now() + 3600 }), short)).rejects.toThrow(
      /longer than the 600 s allowed/,
    );
  });
});

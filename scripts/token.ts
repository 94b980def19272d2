// npm run token -- --scope region:director [--scope <another>] [--ttl 15m]
// Prints a short-lived development token (HS256) for the hub `npm start` runs: signed with the
// secret it keeps beside the embedded database, or with HUB_JWT_SECRET when that is set. The token
// alone goes to stdout, so `curl -H "Authorization: Bearer $(npm run -s token -- --scope ...)"` works.
import '@nhs-hub/kit/telemetry';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { displayPath, readEnv } from '@nhs-hub/kit/subgraph';
import { DEV_TOKEN_TTL, localSecretFile, readLocalSecret, signDevToken } from '@nhs-hub/kit/platform';

export const TOKEN_USAGE = 'usage: npm run token -- --scope <scope> [--scope <scope> ...] [--ttl 1h]';
const TTL = /^\d+\s?(s|m|h)$/;

/** Runs the command and returns its exit code: 0 printed a token, 1 no secret to sign with, 2 usage. */
export async function runTokenCommand(
  argv: readonly string[],
  out: (line: string) => void = (line) => console.log(line),
  err: (line: string) => void = (line) => console.error(line),
): Promise<number> {
  let values: { scope?: string[]; ttl?: string };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { scope: { type: 'string', multiple: true }, ttl: { type: 'string' } },
      strict: true,
    }));
  } catch (error) {
    err(`${(error as Error).message}\n${TOKEN_USAGE}`);
    return 2;
  }
  const scopes = (values.scope ?? []).flatMap((s) => s.split(/[\s,]+/)).filter(Boolean);
  const ttl = values.ttl ?? DEV_TOKEN_TTL;
  if (!scopes.length || !TTL.test(ttl)) {
    err(!scopes.length ? `name at least one scope\n${TOKEN_USAGE}` : `--ttl takes 30s, 15m or 1h (12h at most)`);
    return 2;
  }
  if (/h$/.test(ttl) && Number.parseInt(ttl, 10) > 12) {
    err('--ttl takes 12h at most: a development token is for a working session');
    return 2;
  }
  const env = readEnv();
  const file = localSecretFile(env);
  const secret = env.HUB_JWT_SECRET ?? readLocalSecret(file);
  if (!secret) {
    err(
      `No secret to sign with: start the hub once with npm start (it keeps one in ${displayPath(file)}), or set HUB_JWT_SECRET.`,
    );
    return 1;
  }
  out(await signDevToken(secret, scopes, { ttl, issuer: env.HUB_JWT_ISSUER, audience: env.HUB_JWT_AUDIENCE }));
  err(
    `token for scope ${scopes.join(' ')}, valid ${ttl}, signed with ${env.HUB_JWT_SECRET ? 'HUB_JWT_SECRET' : displayPath(file)}`,
  );
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await runTokenCommand(process.argv.slice(2));
}

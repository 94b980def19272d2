import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { DEFAULT_PGLITE_DATA_DIR } from '../db.js';
import type { Kysely } from 'kysely';
import { type Release, readRelease } from '../releases.js';
import { z } from 'zod';
import type { HubEnv } from './env.js';

/** The scope a token needs to purge the response cache (what a seed or `npm run load` does). */
export const CACHE_PURGE_SCOPE = 'hub:cache:purge';
/** Every key the hub writes to Redis starts with this (unless configured), so a purge finds them all and nothing else. */
export const DEFAULT_REDIS_KEY_PREFIX = 'hub:rc:';
export const purgeChannel = (prefix: string) => `${prefix}purged`;
/** Where every release is announced (JSON `ReleaseAnnouncement`), for every gateway replica and live subscriber. */
export const releasesChannel = (prefix: string) => `${prefix}releases`;

/**
 * What a writer (a load, delete, replace, revert or seed) tells the gateways once its release has
 * committed: which subgraph, which release, and what it changed. The gateways' data version moves
 * on it, and `releasePublished` subscribers receive it.
 */
export interface ReleaseAnnouncement extends Release {
  readonly subgraph: string;
}

/** An announcement as it arrives over Redis or in a purge call's body: checked, never trusted. */
const ANNOUNCEMENT = z.object({
  subgraph: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/),
  id: z.number().int().positive(),
  at: z.string().max(100),
  actor: z.string().max(500).default(''),
  kind: z.enum(['seed', 'load', 'delete', 'replace', 'revert']),
  tables: z.array(z.string().max(100)).max(1_000),
  files: z
    .array(z.object({ path: z.string().max(1_000), sha256: z.string().max(100) }))
    .max(1_000)
    .default([]),
  counts: z.object({
    inserted: z.number().int(),
    updated: z.number().int(),
    deleted: z.number().int(),
    kept: z.number().int().optional(),
  }),
  reverts: z.number().int().nullable().default(null),
  revertedBy: z.number().int().nullable().default(null),
});

/** A release announcement (a Redis message, a purge call's `release`), or null when it is not one. */
export function readReleaseAnnouncement(value: unknown): ReleaseAnnouncement | null {
  const parsed = ANNOUNCEMENT.safeParse(value);
  return parsed.success ? parsed.data : null;
}
/**
 * The purge count, kept in Redis beside the answers: every replica puts it in its cache keys and
 * reads it from here at start, so replicas (a restarted one too) key alike and share hits. `#` is
 * in no cache key the plugin writes (`g<n>:<hash>`, `operations:…`, GraphQL type names).
 */
export const generationKey = (prefix: string) => `${prefix}#generation`;

/** What a purge in Redis did: keys removed, and the generation every replica keys answers by from now on. */
export interface RedisPurge {
  readonly removed: number;
  readonly generation: number;
}

/**
 * Starts a new generation (INCR, so concurrent purges never share one), deletes every cache key
 * under `prefix` but the counter (UNLINK frees memory off Redis's main thread), then tells every
 * replica the new generation. Answers that requests in flight write after the delete carry the old
 * generation in their key, so nobody reads them.
 */
export async function purgeRedis(redis: Redis, prefix: string): Promise<RedisPurge> {
  const counter = generationKey(prefix);
  const generation = await redis.incr(counter);
  let removed = 0;
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
    cursor = next;
    const keys = found.filter((key) => key !== counter);
    if (keys.length) removed += await redis.unlink(...keys);
  } while (cursor !== '0');
  await redis.publish(purgeChannel(prefix), String(generation));
  return { removed, generation };
}

/**
 * Where `npm start` leaves the address of its gateway and a random purge key, readable only by the
 * user who started it: on one machine, whoever can read that file may purge; nobody else can. It
 * sits beside the embedded database, on the data volume (the image's root filesystem is read-only),
 * where `npm run load` with the same PGLITE_DATA_DIR finds it.
 */
export function localGatewayFile(env: Pick<HubEnv, 'PGLITE_DATA_DIR'>): string {
  return join(dirname(env.PGLITE_DATA_DIR ?? DEFAULT_PGLITE_DATA_DIR), 'gateway.json');
}

export interface LocalGatewayFile {
  readonly url: string;
  readonly purgeKey: string;
}

export function writeLocalGatewayFile(path: string, file: LocalGatewayFile): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(file), { mode: 0o600 });
}

function readLocalGatewayFile(path: string | undefined): LocalGatewayFile | null {
  if (!path || !existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LocalGatewayFile;
  } catch {
    return null;
  }
}

/** The surrogate key every cacheable answer carries: purging it drops them all. */
export const ALL_DATA_KEY = 'hub';
/** The surrogate key of answers that read a subgraph's data: a load into it purges this one. */
export const subgraphKey = (subgraph: string) => `subgraph:${subgraph}`;

/**
 * Tells the CDN in front of the gateways to drop what it holds under these surrogate keys:
 * `HUB_CDN_PURGE_METHOD HUB_CDN_PURGE_URL` with `Surrogate-Key: <keys>`, as Fastly's purge by key
 * and infra/varnish/hub.vcl take it. One line for the command's output, a warning when it failed.
 */
export async function purgeCdn(env: HubEnv, keys: readonly string[]): Promise<string> {
  const url = env.HUB_CDN_PURGE_URL;
  if (!url) return 'no CDN configured (HUB_CDN_PURGE_URL)';
  const headers: Record<string, string> = { 'surrogate-key': keys.join(' ') };
  if (env.HUB_CDN_PURGE_TOKEN) headers.authorization = `Bearer ${env.HUB_CDN_PURGE_TOKEN}`;
  try {
    const res = await fetch(url, { method: env.HUB_CDN_PURGE_METHOD, headers, signal: AbortSignal.timeout(5_000) });
    await res.arrayBuffer();
    return res.ok
      ? `CDN purged at ${url} (${keys.join(' ')})`
      : `WARNING: the CDN at ${url} refused the purge (${res.status}); it may serve answers up to their s-maxage old`;
  } catch (error) {
    return `WARNING: could not purge the CDN at ${url}: ${(error as Error).message}; it may serve answers up to their s-maxage old`;
  }
}

/**
 * Purges the gateway response caches after data changed (a seed or a load), so the next request
 * sees the change: directly in Redis when the gateways share one, and through the gateway's
 * `/admin/cache/purge` otherwise (with a token carrying hub:cache:purge, or a local purge key).
 * Returns one line per cache reached, for the command's output.
 */
export async function purgeGatewayCaches(
  env: HubEnv,
  localFile: string | undefined = localGatewayFile(env),
  keys: readonly string[] = [ALL_DATA_KEY],
  announcement?: ReleaseAnnouncement,
): Promise<string[]> {
  const report: string[] = [];
  // The CDN first: a request it misses after this reaches a gateway whose own cache is purged next,
  // and the gateway's purge below never waits on it.
  if (env.HUB_CDN_PURGE_URL) report.push(await purgeCdn(env, keys));
  if (env.HUB_CACHE_REDIS_URL) {
    // Loaded only here: every standalone subgraph imports this module, and most never see Redis.
    const { Redis } = await import('ioredis');
    const redis = new Redis(env.HUB_CACHE_REDIS_URL, {
      enableOfflineQueue: true,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      lazyConnect: true,
    });
    try {
      await redis.connect();
      const { removed, generation } = await purgeRedis(redis, env.HUB_CACHE_REDIS_PREFIX);
      report.push(`response cache purged in Redis (${removed} keys; generation ${generation})`);
      if (announcement) {
        const heard = await redis.publish(releasesChannel(env.HUB_CACHE_REDIS_PREFIX), JSON.stringify(announcement));
        report.push(
          `release ${announcement.subgraph}/${announcement.id} announced in Redis (${heard} gateway replica(s) listening)`,
        );
      }
    } catch (error) {
      report.push(
        `WARNING: could not purge the response cache in Redis: ${(error as Error).message}; cached answers may be up to ${env.HUB_CACHE_TTL_SECONDS} s old`,
      );
    } finally {
      redis.disconnect();
    }
  }
  const local = readLocalGatewayFile(localFile);
  const gatewayUrl = env.HUB_GATEWAY_URL ?? local?.url;
  if (!gatewayUrl) return report;
  const headers: Record<string, string> = {};
  if (env.HUB_ADMIN_TOKEN) headers.authorization = `Bearer ${env.HUB_ADMIN_TOKEN}`;
  else if (env.HUB_JWT_SECRET) {
    const token = await new SignJWT({ scope: CACHE_PURGE_SCOPE })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('hub-data-load')
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode(env.HUB_JWT_SECRET));
    headers.authorization = `Bearer ${token}`;
  }
  if (local && gatewayUrl === local.url) headers['x-hub-purge-key'] = local.purgeKey;
  try {
    // The announcement rides on the purge: the gateway that empties its cache learns the new release in the same call.
    if (announcement) headers['content-type'] = 'application/json';
    const res = await fetch(new URL('/admin/cache/purge', gatewayUrl), {
      method: 'POST',
      headers,
      ...(announcement ? { body: JSON.stringify({ release: announcement }) } : {}),
      signal: AbortSignal.timeout(5_000),
    });
    report.push(
      res.ok
        ? `response cache purged at ${gatewayUrl}`
        : `WARNING: ${gatewayUrl} refused to purge its response cache (${res.status}: ${(await res.text()).slice(0, 200)})`,
    );
  } catch (error) {
    // No gateway running means nothing is cached there.
    report.push(`no gateway answered at ${gatewayUrl} (${(error as Error).message}); nothing to purge there`);
  }
  return report;
}

/**
 * After a release commits: purges the caches that may hold answers from before it (as
 * `purgeGatewayCaches`) and announces the release to every gateway, in Redis and on the purge call,
 * so their data version moves and live subscribers hear of it. `release` null (nothing changed, or
 * unknown): only the purge.
 */
export async function announceRelease<DB>(
  env: HubEnv,
  db: Kysely<DB>,
  subgraph: string,
  release: number | null,
  keys: readonly string[] = [subgraphKey(subgraph)],
  localFile: string | undefined = localGatewayFile(env),
): Promise<string[]> {
  const landed = release === null ? null : await readRelease(db, release);
  return purgeGatewayCaches(env, localFile, keys, landed ? { ...landed, subgraph } : undefined);
}
